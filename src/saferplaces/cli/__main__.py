"""``python -m saferplaces.cli``: the same as the ``saferplaces`` command."""

from saferplaces.cli import main

if __name__ == "__main__":
    main()
