"""Calibration on teacher-scored essays: explainable features, per-criterion estimators,
cross-validated agreement (QWK, exact, adjacent, confusion matrix) and versioned model files."""
