"""Shared fixtures: the repository's data/ and tests/fixtures/ (tests read the crate's own data)."""

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cdnow_sample_log() -> pd.DataFrame:
    df = pd.read_csv(ROOT / "data" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["customer_id", "sample_id", "date", "cds", "amount"],
                     dtype={"customer_id": str, "sample_id": str, "date": str})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df
