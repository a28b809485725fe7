"""The project model: module summaries (``extract``), cross-module names (``model``), what runs per
request (``requests``) and which Redis objects are long-lived (``objects``)."""
