"""Compliance: state rule packs (data), a pure evaluator, and `muster check`.

Nothing in rulepack.py, evaluator.py, periods.py, vocabulary.py or tabular.py touches Django
or a database, so `muster check` runs on two files alone. facts.py and services.py connect
the evaluator to the application's records.
"""
