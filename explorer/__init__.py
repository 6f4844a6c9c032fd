"""optical-clir explorer: a Gradio app over ``engine``'s public API (search, token alignment, reports, uploads).

Modules, one job each: :mod:`explorer.app` (UI and CLI), :mod:`explorer.service` (what the handlers do),
:mod:`explorer.models` (the registry of choosable models), :mod:`explorer.alignment` (transport plans),
:mod:`explorer.language` (query checks, detection), :mod:`explorer.default_collection` and
:mod:`explorer.precomputed` (the shipped collection), :mod:`explorer.reports` (evaluation reports),
:mod:`explorer.render` (HTML and plotly views).
"""
