"""The version of mudump, in one place: read by ``generator.__version__``, the CLI, the run summary and
the build (``[tool.hatch.version]`` in pyproject.toml). Imports nothing, so reading it is cheap."""

__version__ = "0.1.0"
