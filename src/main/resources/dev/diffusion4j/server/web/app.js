// diffusion4j's page: the native job API (/v1/jobs + server-sent events) for generation, the A1111 lists for choices.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { info: null, job: null, events: null, lastSeed: null, selected: null, gallery: [], initImage: null };

async function api(path, options = {}) {
  const r = await fetch(path, { headers: { 'Content-Type': 'application/json' }, ...options });
  const text = await r.text();
  const body = text ? JSON.parse(text) : null;
  if (!r.ok) {
    const detail = body && body.detail ? body.detail : r.statusText;
    throw new Error(r.status === 429 ? `${detail}` : detail);
  }
  return body;
}

function option(select, value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  select.appendChild(o);
}

function status(text) {
  $('status').textContent = text;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

// ---- set-up: models, samplers, schedules, LoRAs, sizes ----

async function load() {
  const [info, models, samplers, schedulers, loras] = await Promise.all([
    api('/v1/info'), api('/sdapi/v1/sd-models'), api('/sdapi/v1/samplers'), api('/sdapi/v1/schedulers'),
    api('/sdapi/v1/loras')]);
  state.info = info;
  $('model').innerHTML = '';
  models.forEach((m) => option($('model'), m.title, m.model_name));
  const current = models.find((m) => m.title.replace(/ \[[0-9a-f]+\]$/, '') === info.model);
  if (current) $('model').value = current.title;
  $('sampler').innerHTML = '';
  option($('sampler'), '', "Model's own");
  samplers.forEach((s) => option($('sampler'), s.name, s.name));
  $('scheduler').innerHTML = '';
  schedulers.forEach((s) => option($('scheduler'), s.label, s.label));
  $('lora').innerHTML = '';
  if (loras.length === 0) {
    option($('lora'), '', info.capabilities.lora ? 'None in --lora-dir' : 'Not available in this build');
    $('lora').disabled = true;
  } else {
    option($('lora'), '', 'Insert a LoRA…');
    loras.forEach((l) => option($('lora'), l.name, l.alias || l.name));
    $('lora').disabled = false;
  }
  $('steps').max = info.limits.max_steps;
  presets(info.native_size, info.size_step);
  if (!$('width').value) setSize(info.native_size, info.native_size);
  $('paint').disabled = !info.capabilities.inpainting;
  $('maskNote').hidden = false;
  $('maskNote').textContent = info.capabilities.inpainting
    ? 'Painted areas are repainted, the rest is kept (the mask is used as painted: no blur, whole picture).'
    : 'Inpainting is not available on this server: img2img uses the whole image.';
  status(`${info.model} · ${info.native_size}px native · queue ${info.waiting}/${info.queue_capacity}`);
}

function presets(native, step) {
  const round = (v) => Math.max(step, Math.round(v / step) * step);
  const list = [['1:1', 1, 1], ['3:2', 1.5, 1], ['2:3', 1, 1.5], ['16:9', 16 / 9, 1], ['2×', 2, 2]];
  const box = $('presets');
  box.innerHTML = '';
  list.forEach(([name, w, h]) => {
    const width = round(native * w);
    const height = round(native * h);
    if (width * height > state.info.limits.max_pixels || Math.max(width, height) > state.info.limits.max_side) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `${name} ${width}×${height}`;
    b.dataset.w = width;
    b.dataset.h = height;
    b.addEventListener('click', () => setSize(width, height));
    box.appendChild(b);
  });
}

function setSize(w, h) {
  $('width').value = w;
  $('height').value = h;
  markPreset();
}

function markPreset() {
  for (const b of $('presets').children) {
    b.classList.toggle('on', b.dataset.w === $('width').value && b.dataset.h === $('height').value);
  }
}

// ---- generation ----

function request() {
  const body = {
    prompt: $('prompt').value,
    negative_prompt: $('negative').value,
    steps: Number($('steps').value),
    cfg_scale: Number($('cfg').value),
    seed: Number($('seed').value),
    width: Number($('width').value),
    height: Number($('height').value),
    batch_size: Number($('batch').value),
    n_iter: Number($('iter').value),
    scheduler: $('scheduler').value,
  };
  if ($('sampler').value) body.sampler_name = $('sampler').value;
  if (state.initImage && $('img2img').open) {
    body.init_images = [state.initImage];
    body.denoising_strength = Number($('strength').value);
    if ($('paint').checked && maskPainted) body.mask = $('maskCanvas').toDataURL('image/png');
  }
  return body;
}

async function generate() {
  if (state.job) return;
  showError('');
  if (!$('prompt').value.trim()) {
    $('prompt').focus();
    return;
  }
  $('generate').disabled = true;
  try {
    const job = await api('/v1/jobs', { method: 'POST', body: JSON.stringify(request()) });
    state.job = job.id;
    $('cancel').disabled = false;
    $('progressBox').hidden = false;
    progress({ progress: 0, step: 0, steps: Number($('steps').value), state: job.state, eta: 0, iteration: 0, iterations: 1 });
    listen(job.id);
    if (window.matchMedia('(max-width: 820px)').matches) $('progressBox').scrollIntoView({ behavior: 'smooth' });
  } catch (e) {
    showError(e.message);
    $('generate').disabled = false;
  }
}

function listen(id) {
  const events = new EventSource(`/v1/jobs/${id}/events`);
  state.events = events;
  events.addEventListener('progress', (e) => progress(JSON.parse(e.data)));
  events.addEventListener('preview', (e) => {
    const p = JSON.parse(e.data);
    if (p.image) showImage(p.image, true);
  });
  let done = false;
  events.addEventListener('done', (e) => {
    // the server closes the stream after "done": close first, or EventSource reports that as an error
    done = true;
    events.close();
    finished(JSON.parse(e.data));
  });
  events.onerror = async () => {
    // the stream ended without "done" (a proxy, a restart): ask once for the job's state
    events.close();
    if (done || state.job !== id) return;
    try {
      finished(await api(`/v1/jobs/${id}`));
    } catch (err) {
      showError(err.message);
      reset();
    }
  };
}

function progress(p) {
  const pct = Math.round((p.progress || 0) * 100);
  $('bar').style.width = `${pct}%`;
  if (p.state === 'queued') {
    $('progressText').textContent = 'Queued…';
  } else {
    const run = p.iterations > 1 ? ` · image ${p.iteration + 1}/${p.iterations}` : '';
    const eta = p.eta > 0.5 ? ` · ${p.eta.toFixed(1)} s left` : '';
    $('progressText').textContent = `Step ${p.step}/${p.steps}${run}${eta}`;
  }
}

async function finished(job) {
  if (state.job !== job.id) return;
  if (job.state === 'done' && job.images) {
    $('bar').style.width = '100%';
    const items = [];
    for (const img of job.images) {
      // keep the pixels in the page: the server keeps only recent jobs
      const blob = await (await fetch(img.url)).blob();
      items.push({ url: URL.createObjectURL(blob), infotext: img.infotext, seed: img.seed, name: `d4j-${img.seed}.png` });
    }
    items.forEach(addToGallery);
    if (items.length) select(items[0]);
    if (items.length) state.lastSeed = items[0].seed;
    $('progressText').textContent = job.partial ? 'Interrupted: partial image' : `Done · ${items.length} image${items.length > 1 ? 's' : ''}`;
  } else if (job.state === 'failed') {
    showError(job.error || 'generation failed');
    $('progressText').textContent = 'Failed';
  } else if (job.state === 'cancelled') {
    $('progressText').textContent = 'Cancelled';
  }
  reset();
}

function reset() {
  if (state.events) state.events.close();
  state.events = null;
  state.job = null;
  $('generate').disabled = false;
  $('cancel').disabled = true;
  api('/v1/info').then((i) => status(`${i.model} · ${i.native_size}px native · queue ${i.waiting}/${i.queue_capacity}`)).catch(() => {});
}

async function cancel() {
  if (!state.job) return;
  $('cancel').disabled = true;
  try {
    await api(`/v1/jobs/${state.job}`, { method: 'DELETE' });
  } catch (e) {
    showError(e.message);
  }
}

// ---- results ----

function showImage(src, preview) {
  const img = $('current');
  img.src = src;
  img.hidden = false;
  img.classList.toggle('preview', !!preview);
  img.alt = preview ? 'Preview' : 'Generated image';
  $('placeholder').hidden = true;
}

function addToGallery(item) {
  state.gallery.unshift(item);
  const b = document.createElement('button');
  b.type = 'button';
  b.title = item.infotext.split('\n')[0];
  const img = document.createElement('img');
  img.src = item.url;
  img.alt = b.title;
  b.appendChild(img);
  b.addEventListener('click', () => select(item));
  item.button = b;
  $('gallery').prepend(b);
  $('galleryEmpty').hidden = true;
}

function select(item) {
  state.selected = item;
  showImage(item.url, false);
  for (const g of state.gallery) g.button.classList.toggle('on', g === item);
  $('details').hidden = false;
  $('params').textContent = item.infotext;
  $('download').href = item.url;
  $('download').download = item.name;
}

// A1111's parameters text: prompt, "Negative prompt: ...", then "Key: value, ..." on the last line.
function parseInfotext(text) {
  const lines = text.trim().split('\n');
  let kv = {};
  const re = /\s*([\w ]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
  const last = lines[lines.length - 1] || '';
  if ((last.match(re) || []).length >= 3) {
    lines.pop();
    for (const m of last.matchAll(re)) if (m[1]) kv[m[1].trim()] = m[2].trim().replace(/^"(.*)"$/, '$1');
  }
  const negAt = lines.findIndex((l) => l.startsWith('Negative prompt:'));
  const prompt = (negAt < 0 ? lines : lines.slice(0, negAt)).join('\n');
  const negative = negAt < 0 ? '' : lines.slice(negAt).join('\n').replace(/^Negative prompt:\s*/, '');
  return { prompt, negative, kv };
}

function reuse(infotext) {
  const { prompt, negative, kv } = parseInfotext(infotext);
  $('prompt').value = prompt;
  $('negative').value = negative;
  if (kv.Steps) { $('steps').value = kv.Steps; $('stepsOut').textContent = kv.Steps; }
  if (kv['CFG scale']) $('cfg').value = kv['CFG scale'];
  if (kv.Seed) $('seed').value = kv.Seed;
  if (kv.Size) { const [w, h] = kv.Size.split('x'); setSize(w, h); }
  if (kv['Batch size']) $('batch').value = kv['Batch size'];
  if (kv.Sampler) {
    let name = kv.Sampler;
    let schedule = kv['Schedule type'] || 'Automatic';
    if (name.endsWith(' Karras')) { name = name.slice(0, -7); schedule = 'Karras'; }
    if ([...$('sampler').options].some((o) => o.value === name)) $('sampler').value = name;
    if ([...$('scheduler').options].some((o) => o.value === schedule)) $('scheduler').value = schedule;
  }
  if (kv['Denoising strength']) { $('strength').value = kv['Denoising strength']; $('strengthOut').textContent = kv['Denoising strength']; }
  $('prompt').focus();
}

// ---- img2img: init image and mask ----

let maskPainted = false;

function setInit(dataUrl) {
  const img = new Image();
  img.onload = () => {
    state.initImage = dataUrl;
    for (const c of [$('initCanvas'), $('maskCanvas')]) { c.width = img.width; c.height = img.height; }
    $('initCanvas').getContext('2d').drawImage(img, 0, 0);
    clearMask();
    $('initBox').hidden = false;
    $('dropInit').hidden = true;
    $('img2img').open = true;
    const step = state.info.size_step;
    setSize(Math.round(img.width / step) * step, Math.round(img.height / step) * step);
  };
  img.src = dataUrl;
}

function clearMask() {
  const c = $('maskCanvas');
  const g = c.getContext('2d');
  g.fillStyle = '#000';
  g.fillRect(0, 0, c.width, c.height);
  maskPainted = false;
}

function paintAt(e) {
  const c = $('maskCanvas');
  const r = c.getBoundingClientRect();
  const x = (e.clientX - r.left) * c.width / r.width;
  const y = (e.clientY - r.top) * c.height / r.height;
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.beginPath();
  g.arc(x, y, Number($('brush').value) * c.width / r.width / 2, 0, Math.PI * 2);
  g.fill();
  maskPainted = true;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

async function pngInfo(file) {
  const data = await readFile(file);
  try {
    const info = await api('/sdapi/v1/png-info', { method: 'POST', body: JSON.stringify({ image: data }) });
    const item = { url: data, infotext: info.info || '(no parameters in this image)', seed: info.parameters.Seed, name: file.name };
    select(item);
    showError('');
  } catch (e) {
    showError(e.message);
  }
}

// ---- wiring ----

function wire() {
  $('form').addEventListener('submit', (e) => { e.preventDefault(); generate(); });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); generate(); }
  });
  $('cancel').addEventListener('click', cancel);
  $('steps').addEventListener('input', () => { $('stepsOut').textContent = $('steps').value; });
  $('strength').addEventListener('input', () => { $('strengthOut').textContent = $('strength').value; });
  $('dice').addEventListener('click', () => { $('seed').value = -1; });
  $('recycle').addEventListener('click', () => { if (state.lastSeed != null) $('seed').value = state.lastSeed; });
  $('width').addEventListener('input', markPreset);
  $('height').addEventListener('input', markPreset);
  $('lora').addEventListener('change', () => {
    const name = $('lora').value;
    if (!name) return;
    $('prompt').value = `${$('prompt').value.trim()} <lora:${name}:1>`.trim();
    $('lora').value = '';
  });
  $('model').addEventListener('change', async () => {
    const name = $('model').value;
    status(`Loading ${name}…`);
    $('model').disabled = true;
    try {
      await api('/sdapi/v1/options', { method: 'POST', body: JSON.stringify({ sd_model_checkpoint: name }) });
      await load();
    } catch (e) {
      showError(e.message);
      await load();
    } finally {
      $('model').disabled = false;
    }
  });
  $('reuse').addEventListener('click', () => state.selected && reuse(state.selected.infotext));
  $('toInit').addEventListener('click', async () => {
    if (!state.selected) return;
    const blob = await (await fetch(state.selected.url)).blob();
    setInit(await readFile(blob));
  });
  $('initFile').addEventListener('change', async () => {
    if ($('initFile').files[0]) setInit(await readFile($('initFile').files[0]));
  });
  $('clearMask').addEventListener('click', clearMask);
  $('clearInit').addEventListener('click', () => {
    state.initImage = null;
    $('initBox').hidden = true;
    $('dropInit').hidden = false;
  });
  const mask = $('maskCanvas');
  let painting = false;
  mask.addEventListener('pointerdown', (e) => {
    if (!$('paint').checked) return;
    painting = true;
    mask.setPointerCapture(e.pointerId);
    paintAt(e);
  });
  mask.addEventListener('pointermove', (e) => { if (painting) paintAt(e); });
  mask.addEventListener('pointerup', () => { painting = false; });

  // drops: on the img2img box an init image, anywhere else a PNG whose parameters to read
  const drop = $('dropInit');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); e.stopPropagation(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    e.stopPropagation();
    drop.classList.remove('over');
    $('dropOverlay').hidden = true;
    const f = e.dataTransfer.files[0];
    if (f) setInit(await readFile(f));
  });
  let depth = 0;
  window.addEventListener('dragenter', (e) => { if (e.dataTransfer.types.includes('Files')) { depth++; $('dropOverlay').hidden = false; } });
  window.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; $('dropOverlay').hidden = true; } });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    $('dropOverlay').hidden = true;
    const f = e.dataTransfer.files[0];
    if (f) pngInfo(f);
  });
}

wire();
load().catch((e) => showError(`Cannot reach the server: ${e.message}`));
