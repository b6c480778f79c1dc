"""Stage 2, figures: every ratio, year-on-year change and verdict computed from the validated dataset, one record per indicator row."""
