package dev.sluice.ml.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A multiclass model's output: for each row one probability per class, row-major, classes in the model's order
 * (the bundle's {@link Label#classes()}).
 */
public record ClassProbabilities(List<String> classes, double[] values) {

    public ClassProbabilities {
        classes = List.copyOf(classes);
        if (values.length % classes.size() != 0) {
            throw new IllegalArgumentException(
                    values.length + " probabilities do not fill rows of " + classes.size() + " classes");
        }
    }

    public int rows() {
        return values.length / classes.size();
    }

    public double get(int row, int classIndex) {
        return values[row * classes.size() + classIndex];
    }

    /** The most probable class; on a tie the first in class order, so the answer never depends on anything else. */
    public int predicted(int row) {
        int k = classes.size();
        int best = 0;
        for (int c = 1; c < k; c++) if (values[row * k + c] > values[row * k + best]) best = c;
        return best;
    }

    /** One row as class label → probability, in class order. */
    public Map<String, Double> row(int row) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int c = 0; c < classes.size(); c++) m.put(classes.get(c), get(row, c));
        return m;
    }
}
