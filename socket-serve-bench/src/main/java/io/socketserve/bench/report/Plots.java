package io.socketserve.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/** PNG charts drawn with java.awt in headless mode: no external tool. */
public final class Plots {

    private static final int W = 900;
    private static final int H = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;
    private static final Color[] COLORS = {
        new Color(0x1f77b4),
        new Color(0xd62728),
        new Color(0x2ca02c),
        new Color(0xff7f0e),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x17becf),
        new Color(0x7f7f7f),
        new Color(0xbcbd22),
        new Color(0x393b79),
        new Color(0xad494a)
    };

    private Plots() {}

    /** A point of a series. */
    public record Point(double x, double y) {}

    /**
     * Latency by percentile, one line per histogram (microsecond values): x is the percentile on a
     * "number of nines" scale (50 %, 90 %, 99 %, 99.9 %, 99.99 %), y the latency in ms on a log scale.
     */
    public static void latencyCurve(String title, Map<String, Histogram> series, Path png) throws IOException {
        Map<String, List<Point>> lines = new java.util.LinkedHashMap<>();
        double maxNines = 2;
        for (Map.Entry<String, Histogram> e : series.entrySet()) {
            Histogram h = e.getValue();
            List<Point> pts = new ArrayList<>();
            if (h.getTotalCount() == 0) {
                continue;
            }
            for (HistogramIterationValue v : h.percentiles(5)) {
                double p = v.getPercentileLevelIteratedTo() / 100.0;
                if (p >= 1.0) {
                    break;
                }
                double nines = Math.log10(1 / (1 - p));
                pts.add(new Point(nines, Math.max(0.01, v.getValueIteratedTo() / 1000.0)));
            }
            double maxP = 1 - 1.0 / h.getTotalCount();
            double lastNines = Math.log10(1 / (1 - maxP));
            pts.add(new Point(lastNines, Math.max(0.01, h.getMaxValue() / 1000.0)));
            maxNines = Math.max(maxNines, Math.min(5, lastNines));
            lines.put(e.getKey() + " (max " + fmt(h.getMaxValue() / 1000.0) + " ms)", pts);
        }
        double top = Math.ceil(maxNines);
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (List<Point> pts : lines.values()) {
            for (Point p : pts) {
                yMin = Math.min(yMin, p.y());
                yMax = Math.max(yMax, p.y());
            }
        }
        if (lines.isEmpty()) {
            yMin = 0.1;
            yMax = 10;
        }
        double logMin = Math.floor(Math.log10(yMin));
        double logMax = Math.ceil(Math.log10(yMax));
        if (logMax <= logMin) {
            logMax = logMin + 1;
        }
        Canvas c = new Canvas(title, "percentile", "latency (ms, log scale)");
        for (int n = 0; n <= top; n++) {
            String label = n == 0 ? "0%" : n == 1 ? "90%" : "99." + "9".repeat(n - 2) + "%";
            label = label.replace("99.%", "99%");
            c.xTick(n / top, label);
        }
        for (double d = logMin; d <= logMax; d++) {
            c.yTick((d - logMin) / (logMax - logMin), fmt(Math.pow(10, d)));
        }
        int i = 0;
        for (Map.Entry<String, List<Point>> e : lines.entrySet()) {
            List<Point> pts = e.getValue();
            double[] xs = new double[pts.size()];
            double[] ys = new double[pts.size()];
            for (int k = 0; k < pts.size(); k++) {
                xs[k] = Math.min(1, pts.get(k).x() / top);
                ys[k] = (Math.log10(pts.get(k).y()) - logMin) / (logMax - logMin);
            }
            c.line(xs, ys, COLORS[i % COLORS.length], false, false);
            c.legend(i, e.getKey(), COLORS[i % COLORS.length]);
            i++;
        }
        c.write(png);
    }

    /**
     * Delivered deliveries/s against offered deliveries/s, one line per series, with the ideal y = x
     * dashed. Values in deliveries/s; axes in thousands.
     */
    public static void deliveredVsOffered(String title, Map<String, List<Point>> series, Path png) throws IOException {
        double maxX = 1;
        double maxY = 1;
        for (List<Point> pts : series.values()) {
            for (Point p : pts) {
                maxX = Math.max(maxX, p.x());
                maxY = Math.max(maxY, p.y());
            }
        }
        double stepX = niceStep(maxX / 1000 / 6);
        double topX = Math.ceil(maxX / 1000 / stepX) * stepX;
        double stepY = niceStep(maxY * 1.15 / 1000 / 6);
        double topY = Math.ceil(maxY * 1.15 / 1000 / stepY) * stepY;
        Canvas c = new Canvas(title, "offered (thousand deliveries/s)", "delivered (thousand deliveries/s)");
        for (double v = 0; v <= topX + 1e-9; v += stepX) {
            c.xTick(v / topX, fmt(v));
        }
        for (double v = 0; v <= topY + 1e-9; v += stepY) {
            c.yTick(v / topY, fmt(v));
        }
        double ideal = Math.min(topX, topY);
        c.line(new double[] {0, ideal / topX}, new double[] {0, ideal / topY}, Color.GRAY, true, false);
        int i = 0;
        for (Map.Entry<String, List<Point>> e : series.entrySet()) {
            List<Point> pts = new ArrayList<>(e.getValue());
            pts.sort((a, b) -> Double.compare(a.x(), b.x()));
            double[] xs = new double[pts.size()];
            double[] ys = new double[pts.size()];
            for (int k = 0; k < pts.size(); k++) {
                xs[k] = pts.get(k).x() / 1000 / topX;
                ys[k] = pts.get(k).y() / 1000 / topY;
            }
            c.line(xs, ys, COLORS[i % COLORS.length], false, true);
            c.legend(i, e.getKey(), COLORS[i % COLORS.length]);
            i++;
        }
        c.legend(i, "ideal (delivered = offered)", Color.GRAY);
        c.write(png);
    }

    private static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (raw <= m * mag) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    static String fmt(double v) {
        if (v >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return new java.math.BigDecimal(v)
                .round(new java.math.MathContext(2))
                .stripTrailingZeros()
                .toPlainString();
    }

    /** A plot area with axes; coordinates in [0, 1]. */
    private static final class Canvas {
        final BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = img.createGraphics();
        final int pw = W - LEFT - RIGHT;
        final int ph = H - TOP - BOTTOM;

        Canvas(String title, String xLabel, String yLabel) {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, LEFT, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawRect(LEFT, TOP, pw, ph);
            g.drawString(xLabel, LEFT + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, H - 20);
            Graphics2D r = (Graphics2D) g.create();
            r.rotate(-Math.PI / 2);
            r.drawString(yLabel, -(TOP + ph / 2 + r.getFontMetrics().stringWidth(yLabel) / 2), 20);
            r.dispose();
        }

        int px(double x) {
            return LEFT + (int) Math.round(x * pw);
        }

        int py(double y) {
            return TOP + ph - (int) Math.round(y * ph);
        }

        void xTick(double x, String label) {
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(px(x), TOP, px(x), TOP + ph);
            g.setColor(Color.BLACK);
            g.drawString(label, px(x) - g.getFontMetrics().stringWidth(label) / 2, TOP + ph + 18);
        }

        void yTick(double y, String label) {
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(LEFT, py(y), LEFT + pw, py(y));
            g.setColor(Color.BLACK);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py(y) + 5);
        }

        void line(double[] xs, double[] ys, Color color, boolean dashed, boolean marks) {
            g.setColor(color);
            g.setStroke(
                    dashed
                            ? new BasicStroke(
                                    1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 6}, 0)
                            : new BasicStroke(2.2f));
            for (int k = 1; k < xs.length; k++) {
                g.drawLine(px(xs[k - 1]), py(ys[k - 1]), px(xs[k]), py(ys[k]));
            }
            if (marks) {
                for (int k = 0; k < xs.length; k++) {
                    g.fillOval(px(xs[k]) - 4, py(ys[k]) - 4, 8, 8);
                }
            }
            g.setStroke(new BasicStroke(1));
        }

        void legend(int index, String label, Color color) {
            int y = TOP + 20 + index * 20;
            g.setColor(color);
            g.fillRect(LEFT + 15, y - 10, 22, 4);
            g.setColor(Color.BLACK);
            g.drawString(label, LEFT + 45, y - 3);
        }

        void write(Path png) throws IOException {
            g.dispose();
            Files.createDirectories(png.toAbsolutePath().getParent());
            ImageIO.write(img, "png", png.toFile());
        }
    }
}
