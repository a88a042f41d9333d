"""Outputs investigators read: network views, the findings report, shared escaping and masking helpers.

Public entry points (the CLI calls these and nothing else):

* :func:`guanlian.viz.view.render_view`, :func:`guanlian.viz.view.render_finding_view`,
  :func:`guanlian.viz.view.render_finding_views`
* :func:`guanlian.viz.neighbourhood.neighbourhood`
* :func:`guanlian.viz.report.write_report`
"""
