"""The ground floor for values: identifiers, privacy, spreadsheet cells and the zh/en vocabulary.

Every layer above (loaders, matching, graph, queries, clues, viz, the CLI) calls these modules; they import
nothing from guanlian except :mod:`guanlian.model`.

* :mod:`guanlian.values.ids`: resident IDs and credit codes — parse, vectorised checks, mask, find in text.
* :mod:`guanlian.values.privacy`: mask values, nested values and frames; neutralise spreadsheet formulas;
  :func:`~guanlian.values.privacy.plain` values.
* :mod:`guanlian.values.sheets`: formula-safe XLSX sheets and CSV files.
* :mod:`guanlian.values.money`: amounts as integer fen; exact yuan for JSON and display.
* :mod:`guanlian.values.vocab`: every user-facing label in Chinese and English, the ``Lang`` type.
"""
