"""Stage 1, inputs: what analysts edit (workbooks, params, catalogue, narratives), read, checked, and turned into the validated dataset (runs in the build process, never in a kernel)."""
