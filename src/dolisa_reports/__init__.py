"""dolisa_reports: thematic-report pipeline for a provincial Sở LĐTBXH.

The notebooks call :mod:`dolisa_reports.presentation.report`; the command line lives in :mod:`dolisa_reports.cli`.
"""

__version__ = "0.1.0"

DOMAINS: tuple[str, ...] = (
    "labour",
    "vocational_training",
    "meritorious_persons",
    "social_protection",
    "inspection",
)
