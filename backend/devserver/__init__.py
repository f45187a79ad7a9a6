"""``runserver`` for ``make run``: daphne's, answering an over-long request line as production does.

Listed before daphne in INSTALLED_APPS so its ``runserver`` is the one
``manage.py`` finds. Development only: production runs gunicorn (gunicorn.conf.py).
"""
