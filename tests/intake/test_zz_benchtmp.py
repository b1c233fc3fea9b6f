import json, os
def test_bench(pg_url, sftp_server):
    from canbao.intake.bench import intake_vs_copy, sftp_download
    rows = int(os.environ.get("BROWS", "200000"))
    print("INTAKE", json.dumps(intake_vs_copy(pg_url, rows)))
    print("SFTP", json.dumps(sftp_download(sftp_server, int(os.environ.get("BMB", "100")))))
