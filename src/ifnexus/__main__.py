"""``python -m ifnexus``: the same command as the ``ifnexus`` console script."""

from ifnexus.cli._app import entry

if __name__ == "__main__":
    entry()
