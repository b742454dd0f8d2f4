"""From features to levels: raw criterion scores, the exemplar-anchored scale, caps and flags."""
