package dev.diffusion4j.eval;

/**
 * Sub-pixel shape descriptors of one region, from each pixel's coverage (its value over the region's typical
 * value) rather than from a thresholded mask: at 64×64 a small shape is ten pixels across, and thresholding its
 * anti-aliased or blurred edge shifts a bounding box by a whole pixel — enough to make a circle read as a square.
 *
 * <p>The region's pixels plus the ring of pixels touching them carry coverage in [0, 1]. The soft width is the sum
 * over columns of each column's largest coverage (an edge column half covered counts one half), the soft height
 * likewise over rows, and the fill ratio is the summed coverage over their product. The vertical skewness is the
 * third standardised moment of the coverage-weighted row: −0.57 for an ideal apex-up triangle, 0 for circles and
 * squares, and blur keeps its sign.
 *
 * @param softWidth width in pixels, with partly covered edge columns counted by their coverage
 * @param softHeight height in pixels, likewise
 * @param fillRatio summed coverage over {@code softWidth · softHeight}
 * @param skewness vertical skewness of the coverage (y down)
 */
record ShapeMeasure(double softWidth, double softHeight, double fillRatio, double skewness) {

    /** Quantile of the region's values taken as full coverage: above the edge pixels, below stray bright noise. */
    private static final double FULL_QUANTILE = 0.75;

    /**
     * Measures the region given by pixel indices {@code members[0..memberCount)} and {@code ring[0..ringCount)} of
     * an image {@code width} wide whose per-pixel value (largest channel, 0–255) is {@code value}.
     */
    static ShapeMeasure of(int[] members, int memberCount, int[] ring, int ringCount, int[] value, int width,
            int height) {
        double full = quantile(members, memberCount, value);
        double[] columnMax = new double[width];
        double[] rowMax = new double[height];
        // each pixel of the region and its ring with its coverage: edge pixels count by how much of them is inside
        int n = memberCount + ringCount;
        int[] pixels = new int[n];
        double[] cover = new double[n];
        System.arraycopy(members, 0, pixels, 0, memberCount);
        System.arraycopy(ring, 0, pixels, memberCount, ringCount);
        double sum = 0;
        double sumY = 0;
        for (int i = 0; i < n; i++) {
            int p = pixels[i];
            double c = Math.min(1, value[p] / full);
            cover[i] = c;
            int x = p % width;
            int y = p / width;
            columnMax[x] = Math.max(columnMax[x], c);
            rowMax[y] = Math.max(rowMax[y], c);
            sum += c;
            sumY += c * (y + 0.5);
        }
        double meanY = sumY / sum;
        double m2 = 0;
        double m3 = 0;
        for (int i = 0; i < n; i++) {
            double d = pixels[i] / width + 0.5 - meanY;
            m2 += cover[i] * d * d;
            m3 += cover[i] * d * d * d;
        }
        m2 /= sum;
        m3 /= sum;
        double softWidth = 0;
        for (double c : columnMax) {
            softWidth += c;
        }
        double softHeight = 0;
        for (double c : rowMax) {
            softHeight += c;
        }
        double skewness = m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0;
        return new ShapeMeasure(softWidth, softHeight, sum / (softWidth * softHeight), skewness);
    }

    private static double quantile(int[] members, int count, int[] value) {
        int[] histogram = new int[256];
        for (int i = 0; i < count; i++) {
            histogram[value[members[i]]]++;
        }
        int rank = (int) Math.floor(FULL_QUANTILE * (count - 1));
        int seen = 0;
        for (int v = 0; v < histogram.length; v++) {
            seen += histogram[v];
            if (seen > rank) {
                return Math.max(v, 1);
            }
        }
        return 255;
    }
}
