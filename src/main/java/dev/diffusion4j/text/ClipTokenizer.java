package dev.diffusion4j.text;

import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, id for id the same as HF transformers' slow {@code CLIPTokenizer} (4.31, without
 * ftfy) that diffusers' Stable Diffusion pipelines call as
 * {@code tokenizer(prompt, padding="max_length", max_length=77, truncation=True)}.
 *
 * <p>A prompt is tokenized in these steps:
 * <ol>
 *   <li>Literal special-token text (every special token of the folder, e.g. {@code <|endoftext|>}; also {@code !}
 *       in SD 2.x folders, whose pad token it is) is cut out of the raw prompt, case-sensitively, and becomes that
 *       token's id. This is why {@code "wow!"} ends in id 0 rather than 256 with an SD 2.x tokenizer.</li>
 *   <li>Each remaining piece is cleaned, NFC-normalised and lowercased ({@link BasicTokenizer}).</li>
 *   <li>CLIP's regex splits it into contractions, letter runs, single digits and runs of other symbols.</li>
 *   <li>Each piece's UTF-8 bytes become {@link ByteUnicode} characters and go through {@link BytePairEncoder}.</li>
 *   <li>Symbols map to ids through vocab.json (unknown ones to the unk token's id).</li>
 * </ol>
 * Instances are immutable apart from a BPE cache and are safe to share between threads.
 */
public final class ClipTokenizer {

    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";

    /**
     * CLIP's pre-tokenizer. The special-token alternatives still fire for text that only becomes a special token
     * after cleaning or lowercasing (e.g. {@code <|ENDOFTEXT|>}). HF compiles it with the {@code regex} module and
     * IGNORECASE, under which {@code 'ſ} matches {@code 's}; Java's Unicode case folding agrees. {@code \s} must be
     * Unicode-aware like Python's.
     */
    private static final Pattern PRE_TOKEN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    /** HF reads only this many merge lines (CLIP's 49152-token vocabulary less 256 bytes and 2 specials). */
    private static final int MAX_MERGES = 49152 - 256 - 2;

    private final SymbolTable vocab;
    private final BytePairEncoder bpe;
    /** Special-token texts, longest first, so the first that matches at a position is the longest. */
    private final List<String> specialTexts;
    private final Map<String, Integer> specialIds;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unkId;
    private final int maxLength;

    private ClipTokenizer(SymbolTable vocab, BytePairEncoder bpe, Map<String, Integer> specialIds,
                          int bosId, int eosId, int padId, int unkId, int maxLength) {
        this.vocab = vocab;
        this.bpe = bpe;
        this.specialIds = specialIds;
        List<String> texts = new ArrayList<>(specialIds.keySet());
        texts.sort((a, b) -> Integer.compare(b.length(), a.length()));
        this.specialTexts = List.copyOf(texts);
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.unkId = unkId;
        this.maxLength = maxLength;
    }

    /**
     * Loads an HF tokenizer folder: {@code vocab.json} and {@code merges.txt} (required), special tokens from
     * {@code tokenizer_config.json} overridden by {@code special_tokens_map.json}, and {@code model_max_length} from
     * {@code tokenizer_config.json} (77 when absent).
     *
     * @throws IOException naming the file (and key) that is missing or malformed, or whose special token is not in
     *     the vocabulary
     */
    public static ClipTokenizer load(Path tokenizerDir) throws IOException {
        String cache = System.getProperty(TokenizerCache.PROPERTY);
        return load(tokenizerDir, cache == null || cache.isEmpty() ? null : Path.of(cache));
    }

    /** {@link #load(Path)} with the vocabulary and merges kept in {@code cacheFolder} ({@link TokenizerCache}). */
    static ClipTokenizer load(Path tokenizerDir, Path cacheFolder) throws IOException {
        Path vocabFile = tokenizerDir.resolve("vocab.json");
        Path mergesFile = tokenizerDir.resolve("merges.txt");
        TokenizerCache.Parser parser = () -> new TokenizerCache.Parsed(readVocab(vocabFile), readMerges(mergesFile));
        TokenizerCache.Tables tables = cacheFolder == null ? parser.parse().tables()
                : TokenizerCache.load(cacheFolder, vocabFile, mergesFile, parser);
        SymbolTable vocab = tables.vocab();
        BytePairEncoder bpe = new BytePairEncoder(tables.merges());
        TokenizerConfig config = TokenizerConfig.read(tokenizerDir);
        Map<String, Integer> specialIds = new HashMap<>();
        for (Map.Entry<String, String> e : config.special().entrySet()) {
            if (!vocab.contains(e.getKey())) {
                throw new IOException(e.getValue() + ": special token \"" + e.getKey() + "\" is not in " + vocabFile);
            }
            specialIds.put(e.getKey(), vocab.get(e.getKey(), 0));
        }
        return new ClipTokenizer(vocab, bpe, specialIds, specialIds.get(config.bos()), specialIds.get(config.eos()),
                specialIds.get(config.pad()), specialIds.get(config.unk()), config.maxLength());
    }

    /**
     * This tokenizer padding with {@code token} instead: SD 2.x's open_clip pads with "!" where SD 1.x's CLIP pads
     * with {@code <|endoftext|>}, over the same vocabulary.
     *
     * @throws IllegalArgumentException if {@code token} is not in the vocabulary
     */
    public ClipTokenizer withPadToken(String token) {
        if (!vocab.contains(token)) {
            throw new IllegalArgumentException("pad token \"" + token + "\" is not in the vocabulary");
        }
        return new ClipTokenizer(vocab, bpe, specialIds, bosId, eosId, vocab.get(token, 0), unkId, maxLength);
    }

    /** Sequence length including BOS and EOS ({@code model_max_length}, 77 for Stable Diffusion). */
    public int maxLength() {
        return maxLength;
    }

    /** Id of the beginning-of-sequence token {@code <|startoftext|>} (49406 for CLIP). */
    public int bosId() {
        return bosId;
    }

    /** Id of the end-of-sequence token {@code <|endoftext|>} (49407 for CLIP). */
    public int eosId() {
        return eosId;
    }

    /** Id of the padding token: 49407 ({@code <|endoftext|>}) for SD 1.x folders, 0 ({@code !}) for SD 2.x. */
    public int padId() {
        return padId;
    }

    /** Number of entries in vocab.json. */
    public int vocabSize() {
        return vocab.size();
    }

    /** Token ids of {@code text}: no BOS/EOS, no truncation. */
    public List<Integer> encode(String text) {
        List<Integer> ids = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String special = specialAt(text, i);
            if (special == null) {
                i++;
                continue;
            }
            encodePlain(text.substring(start, i), ids);
            ids.add(specialIds.get(special));
            i += special.length();
            start = i;
        }
        encodePlain(text.substring(start), ids);
        return Collections.unmodifiableList(ids);
    }

    /**
     * {@code [BOS, tokens..., EOS, pad...]}, exactly {@link #maxLength()} long; tokens beyond {@code maxLength - 2}
     * are dropped (HF's {@code padding="max_length", truncation=True}).
     */
    public long[] inputIds(String prompt) {
        return pad(inputIdsUnpadded(prompt), maxLength);
    }

    /** {@code ids} followed by the pad token up to {@code length} (at least {@code ids.length}). */
    public long[] pad(long[] ids, int length) {
        long[] out = Arrays.copyOf(ids, length);
        Arrays.fill(out, ids.length, length, padId);
        return out;
    }

    /** {@code [BOS, tokens..., EOS]} with the tokens truncated to {@code maxLength - 2}, no padding. */
    public long[] inputIdsUnpadded(String prompt) {
        List<Integer> tokens = encode(prompt);
        int n = Math.min(tokens.size(), maxLength - 2);
        long[] ids = new long[n + 2];
        ids[0] = bosId;
        for (int i = 0; i < n; i++) {
            ids[i + 1] = tokens.get(i);
        }
        ids[n + 1] = eosId;
        return ids;
    }

    private String specialAt(String text, int i) {
        for (String s : specialTexts) {
            if (text.startsWith(s, i)) {
                return s;
            }
        }
        return null;
    }

    private void encodePlain(String piece, List<Integer> ids) {
        Matcher m = PRE_TOKEN.matcher(BasicTokenizer.normalize(piece));
        while (m.find()) {
            String word = ByteUnicode.encode(m.group().getBytes(StandardCharsets.UTF_8));
            for (String symbol : bpe.encode(word)) {
                ids.add(vocab.get(symbol, unkId));
            }
        }
    }

    private static Map<String, Integer> readVocab(Path file) throws IOException {
        Map<String, Integer> vocab = new HashMap<>(65536);
        try (BufferedReader in = newReader(file); JsonReader json = new JsonReader(in)) {
            json.beginObject();
            while (json.hasNext()) {
                String token = json.nextName();
                if (json.peek() != JsonToken.NUMBER) {
                    throw new IOException(file + ": id of \"" + token + "\" is not a number");
                }
                vocab.put(token, json.nextInt());
            }
            json.endObject();
        } catch (IllegalStateException | NumberFormatException | JsonParseException | CharacterCodingException
                 | EOFException | MalformedJsonException e) {
            throw new IOException(file + ": malformed vocabulary JSON: " + e.getMessage(), e);
        }
        if (vocab.isEmpty()) {
            throw new IOException(file + ": empty vocabulary");
        }
        return vocab;
    }

    /**
     * Merge ranks as HF builds them: skip the first line (the {@code #version} header), keep the next
     * {@link #MAX_MERGES} lines, a later duplicate overriding an earlier rank.
     */
    private static Map<String, Integer> readMerges(Path file) throws IOException {
        List<String> lines;
        try (BufferedReader in = newReader(file)) {
            lines = in.lines().toList();
        } catch (UncheckedIOException e) {
            throw new IOException(file + ": unreadable merges: " + e.getCause(), e);
        }
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) {
            end--;
        }
        Map<String, Integer> ranks = new HashMap<>(65536);
        for (int i = 1; i < Math.min(end, MAX_MERGES + 1); i++) {
            // no regex split: String.split("\\s+") compiles a pattern per line, most of a cold start's load time
            String line = lines.get(i).strip();
            int gap = firstWhitespace(line);
            String second = gap < 0 ? "" : line.substring(gap).strip();
            if (gap < 0 || firstWhitespace(second) >= 0) {
                throw new IOException(file + ":" + (i + 1) + ": expected two symbols, got \"" + lines.get(i) + "\"");
            }
            ranks.put(gap == line.length() - second.length() - 1 ? line : line.substring(0, gap) + " " + second,
                    i - 1);
        }
        if (ranks.isEmpty()) {
            throw new IOException(file + ": no merges");
        }
        return ranks;
    }

    private static int firstWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r') { // what regex \s matches
                return i;
            }
        }
        return -1;
    }

    private static BufferedReader newReader(Path file) throws IOException {
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file is missing");
        }
    }
}
