"""The quarterly meeting: a quarter's data, what changed, talking points, sections, PPTX and PDF."""
