package dev.skiff.api.intstr;

import io.fabric8.kubernetes.api.model.IntOrString;

/** An IntOrString that is a count or a percentage of a total, as upstream's intstr.GetScaledValueFromIntOrPercent. */
public final class IntOrPercent {
    private IntOrPercent() {
    }

    /**
     * The count itself, or {@code percent} of {@code total} rounded up or down; validated input is
     * assumed (a percentage is digits followed by '%').
     */
    public static int scaled(IntOrString value, int total, boolean roundUp) {
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String s = value.getStrVal();
        int percent = Integer.parseInt(s.substring(0, s.length() - 1));
        return roundUp ? (int) Math.ceil(percent * total / 100.0) : (int) Math.floor(percent * total / 100.0);
    }
}
