"""The build: validate, execute notebooks (papermill), export (nbconvert, PDF), index page.

Split like papermill itself: ``tasks`` (what to build), ``execute`` (run one notebook),
``export`` (HTML/PDF), ``status`` (what was built, when), ``index_page``, and ``engine`` (the order).
"""
