"""The web face: FastAPI app, one router module per domain, Jinja2 templates with htmx and Vega-Lite."""
