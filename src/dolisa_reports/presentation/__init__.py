"""Stage 3, presentation: what notebooks call (report, summary), the Excel appendix, HTML snippets, charts, Vietnamese formatting, templates and fonts."""
