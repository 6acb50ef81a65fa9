package dev.sluice.dag;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Measures a composed YAML document as it will be once every alias is replaced by a copy of its anchored node,
 * without making the copies. SnakeYAML's alias count limit does not bound that size: 48 aliases, six per level
 * over eight levels, expand 518 bytes to 1.7 million values. The walk stops as soon as a limit is passed, so it
 * costs at most the limit however deep the nesting; a recursive alias (an anchor containing itself) is refused too.
 */
final class AliasExpansion {
    private final DagFileLimits limits;
    private final Set<Node> path = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Times each anchored node has been reached: more than once means an alias copied it. */
    private final Map<Node, Integer> uses = new IdentityHashMap<>();

    private long values;
    private long chars;

    AliasExpansion(DagFileLimits limits) {
        this.limits = limits;
    }

    /** True when the expanded document is within the limits; else false after reporting where it is not. */
    boolean fits(Node root, Problems problems) {
        try {
            walk(root);
            return true;
        } catch (Refused r) {
            problems.addAt("yaml", r.line, r.getMessage());
            return false;
        }
    }

    private void walk(Node node) {
        if (!path.add(node)) {
            throw new Refused(
                    YamlDagParser.line(node),
                    "the anchor &" + node.getAnchor() + " contains an alias of itself, so its value would be infinite");
        }
        if (node.getAnchor() != null) uses.merge(node, 1, Integer::sum);
        values++;
        if (node instanceof ScalarNode s) chars += s.getValue().length();
        if (values > limits.maxValues()) throw tooBig(limits.maxValues() + " values");
        if (chars > limits.maxChars()) throw tooBig(limits.maxChars() + " characters of text");
        if (node instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) walk(item);
        } else if (node instanceof MappingNode mapping) {
            for (NodeTuple t : mapping.getValue()) {
                walk(t.getKeyNode());
                walk(t.getValueNode());
            }
        }
        path.remove(node);
    }

    /** Names the anchor copied most often: the repetition to remove. */
    private Refused tooBig(String limit) {
        Map.Entry<Node, Integer> most = null;
        for (var e : uses.entrySet()) {
            if (e.getValue() > 1 && (most == null || e.getValue() > most.getValue())) most = e;
        }
        if (most == null) return new Refused(1, "the document holds more than " + limit + ", the limit for a DAG file");
        return new Refused(
                YamlDagParser.line(most.getKey()),
                "aliases expand the document beyond the limit of "
                        + limit + " (the anchor &" + most.getKey().getAnchor() + " here was copied " + most.getValue()
                        + " times before the limit was reached)");
    }

    private static final class Refused extends RuntimeException {
        final int line;

        Refused(int line, String message) {
            super(message, null, false, false);
            this.line = line;
        }
    }
}
