import time, tempfile, datetime as dt
from pathlib import Path
def test_b(pg_url):
    from canbao.intake.bench import write_snapshot, BENCH_FEED
    from canbao.registry.loader import parse_feed
    from canbao.intake import stage
    from canbao.intake.parse import parse_file, ParseStats
    import sqlalchemy as sa
    feed = parse_feed(BENCH_FEED, Path("x"))
    p = Path(tempfile.mktemp()); write_snapshot(p, 300000)
    t=time.perf_counter(); c0=time.process_time(); n=sum(len(b.lines) for b in parse_file(feed, p, 1, None)); print("PARSEONLY", time.perf_counter()-t, time.process_time()-c0)
    waits=[0.0]; orig=stage._CopyWorker.put
    def put(self, job):
        t=time.perf_counter(); orig(self, job); waits[0]+=time.perf_counter()-t
    stage._CopyWorker.put=put
    eng=sa.create_engine(pg_url)
    with eng.begin() as conn:
        did=conn.execute(sa.text("insert into intake.delivery (feed,file_name,sha256,bytes) values ('x','x',:s,1) returning delivery_id"),{"s":str(time.time())}).scalar_one()
    t=time.perf_counter(); c0=time.process_time()
    stage.stage_delivery(pg_url, feed, p, did, dt.date(2026,3,1), 300000)
    print("STAGE", time.perf_counter()-t, time.process_time()-c0, "blocked in put", waits[0])
