"""ilacs: track post-inspection action plans for Ofsted ILACS inspections."""

__version__ = "0.1.0"
