"""``python -m stfi_models`` runs the ``stfi`` command."""

from stfi_models.cli import main

if __name__ == "__main__":
    main()
