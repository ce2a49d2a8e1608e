"""The HTML run report: data (``model``, ``build``) and page (``render``) are pure; ``write`` saves it."""
