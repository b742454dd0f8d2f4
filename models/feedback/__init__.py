"""Feedback composition: turning features into comments on the student's own sentences."""
