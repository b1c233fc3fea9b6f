"""The intake benchmarks run end to end on small sizes (figures come from `make bench`)."""

from __future__ import annotations


def test_intake_vs_copy_reports_both_rates_and_peak_memory(pg_url):
    from canbao.intake.bench import intake_vs_copy

    result = intake_vs_copy(pg_url, rows=3000)
    assert result["rows"] == 3000 and result["rows_with_parse_rejects"] == 0
    assert result["intake_rows_per_s"] > 0 and result["copy_rows_per_s"] > 0 and result["peak_rss_mib"] > 0
    assert result["staging_copy_rows_per_s"] > 0 and result["ceiling_ratio"] > 0


def test_sftp_download_compares_with_openssh(sftp_server):
    from canbao.intake.bench import sftp_download

    result = sftp_download(sftp_server, size_mb=4)
    assert result["ours_mb_per_s"] > 0 and result["openssh_mb_per_s"] > 0 and result["ratio"] > 0
