"""optical-clir explorer: a Gradio app over ``engine``'s public API (search, token alignment, reports, uploads).

Modules, one job each: :mod:`explorer.app` (UI and CLI), :mod:`explorer.service` (what the handlers do),
:mod:`explorer.models` (the registry of choosable models; the OT student is the default),
:mod:`explorer.alignment` (transport plans), :mod:`explorer.language` (query checks, detection),
:mod:`explorer.default_collection` and :mod:`explorer.precomputed` (the shipped everyday collection and its vectors;
:mod:`explorer.everyday_build` builds it from WordNet), :mod:`explorer.relevance` (scores read against unrelated
documents, :mod:`engine.calibration`), :mod:`explorer.examples` (everyday questions that find their answer),
:mod:`explorer.reports` (evaluation reports), :mod:`explorer.render` (plots) and :mod:`explorer.hits_view`
(result lists).
"""
