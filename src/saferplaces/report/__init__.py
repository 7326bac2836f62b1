"""The strategic assessment: charts (Altair specs), maps, sentences, and the HTML builder.

See docs/assessment.md. The public API:

- :func:`build_assessment` and :class:`AssessmentResult` (``saferplaces assess``);
- :mod:`saferplaces.report.charts` and :mod:`saferplaces.report.maps`: the chart and map specs
  the report renders to SVG and the dashboard will embed.
"""

from saferplaces.report.builder import EDITIONS, AssessmentResult, build_assessment

__all__ = ["EDITIONS", "AssessmentResult", "build_assessment"]
