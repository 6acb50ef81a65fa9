package dev.sluice.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.store.AssetRepository;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Data-aware scheduling on real PostgreSQL, from the YAML fixtures in src/test/resources/scenarios. */
class AssetSchedulingScenarioTest {
    private static final String ORDERS = "postgres://dw/public/orders";
    private static final String CUSTOMERS = "postgres://dw/public/customers";

    EngineHarness h;
    Engine engine;
    AssetTriggers triggers;

    @BeforeEach
    void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
        // A sweep far longer than any wait below: runs that appear sooner were woken by the events' notifications.
        triggers = new AssetTriggers(engine, Duration.ofMinutes(10)).start();
    }

    @AfterEach
    void stop() {
        triggers.close();
        h.close();
    }

    private Object value(String sql, Object... args) {
        return h.db.dsl().fetchValue(sql, args);
    }

    private List<Long> assetRuns(String dagId) {
        return h.db.dsl()
                .fetch("select id from dag_run where dag_id = ? and run_type = 'asset' order by id", dagId)
                .getValues(0, Long.class);
    }

    /** As an external producer would, through the API. */
    private long publish(String uri, Map<String, Object> extra) {
        return h.db.dsl()
                .transactionResult(cfg -> new AssetRepository()
                        .record(
                                DSL.using(cfg),
                                List.of(new AssetRepository.NewEvent(
                                        uri,
                                        AssetRepository.Source.API,
                                        null,
                                        null,
                                        null,
                                        "tester",
                                        extra,
                                        Instant.now())))
                        .get(0));
    }

    private List<Long> triggeringEventIds(long runKey) {
        return h.db.dsl()
                .fetch("select event_id from dag_run_asset_event where run_key = ? order by event_id", runKey)
                .getValues(0, Long.class);
    }

    @Test
    void a_chain_of_three_dags_runs_each_on_the_previous_ones_output() throws Exception {
        String extract = h.fixture(engine, "asset_chain_extract");
        String transform = h.fixture(engine, "asset_chain_transform");
        String report = h.fixture(engine, "asset_chain_report");

        long first = h.trigger(engine, extract, Map.of());
        assertThat(h.awaitRun(first, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        await().atMost(Duration.ofSeconds(30)).until(() -> assetRuns(transform).size() == 1);
        long second = assetRuns(transform).get(0);
        assertThat(h.awaitRun(second, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        await().atMost(Duration.ofSeconds(30)).until(() -> assetRuns(report).size() == 1);
        long third = assetRuns(report).get(0);
        assertThat(h.awaitRun(third, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);

        // the producing task's asset_extra became the event's extra, with where it came from
        assertThat(value(
                        "select e.extra->>'partition' from asset_event e join asset a on a.id = e.asset_id"
                                + " where a.uri = 's3://lake/raw/orders.parquet' and e.source = 'task'"
                                + " and e.source_dag_id = ? and e.source_task_id = 'extract'",
                        extract))
                .isEqualTo("2026-01-01");
        // the second DAG read the first's extra from triggering_asset_events and passed it on
        String log = h.log(third, "report");
        assertThat(log)
                .contains("\"s3://lake/clean/orders.parquet\":[{")
                .contains("\"extra\":{\"cleaned_from\":\"2026-01-01\"}")
                .contains("\"source_dag_id\":\"asset_chain_transform\"")
                .contains("\"source_task_id\":\"clean\"");
        // an asset-triggered run's logical date is the time of triggering: after its event, with the event's time
        // as its data interval
        assertThat((Boolean) value(
                        "select r.logical_date >= e.created_at and r.data_interval_start = e.created_at"
                                + " and r.data_interval_end = e.created_at and r.triggered_by = 'assets'"
                                + " from dag_run r join dag_run_asset_event l on l.run_key = r.id"
                                + " join asset_event e on e.id = l.event_id where r.id = ?",
                        second))
                .isTrue();
        assertThat(triggeringEventIds(second)).hasSize(1);
    }

    @Test
    void when_all_waits_for_every_asset_and_when_any_fires_on_one() throws Exception {
        String all = h.fixture(engine, "asset_all_waits_for_both");
        String any = h.fixture(engine, "asset_any_fires_on_one");

        long orders1 = publish(ORDERS, Map.of("batch", 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> assetRuns(any).size() == 1);
        triggers.checkAll(); // nothing lost to timing: a check now still finds `all` waiting
        assertThat(assetRuns(all)).isEmpty();

        long customers1 = publish(CUSTOMERS, Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> assetRuns(all).size() == 1);
        assertThat(triggeringEventIds(assetRuns(all).get(0))).containsExactly(orders1, customers1);
        await().atMost(Duration.ofSeconds(20)).until(() -> assetRuns(any).size() == 2);

        // Only events since the last asset-triggered run count: two more order updates do not satisfy `all` ...
        long orders2 = publish(ORDERS, Map.of("batch", 2));
        long orders3 = publish(ORDERS, Map.of("batch", 3));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> h.db.dsl()
                                .fetchCount(DSL.selectFrom(DSL.table("dag_run_asset_event"))
                                        .where("run_key in (select id from dag_run where dag_id = ?)", any))
                        == 4);
        triggers.checkAll();
        assertThat(assetRuns(all)).hasSize(1);
        // ... until the customers are updated again; then one run consumes all three
        long customers2 = publish(CUSTOMERS, Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> assetRuns(all).size() == 2);
        assertThat(triggeringEventIds(assetRuns(all).get(1))).containsExactly(orders2, orders3, customers2);
        for (long run : assetRuns(all))
            assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        // every event reached the `any` DAG exactly once, and its queue is empty
        await().atMost(Duration.ofSeconds(20))
                .until(() -> ((Number) value("select count(*) from asset_event_queue")).intValue() == 0);
        assertThat(h.db.dsl()
                        .fetch(
                                "select l.event_id from dag_run_asset_event l join dag_run r on r.id = l.run_key"
                                        + " where r.dag_id = ? order by 1",
                                any)
                        .getValues(0, Long.class))
                .containsExactly(orders1, customers1, orders2, orders3, customers2);
    }

    @Test
    void two_schedulers_racing_on_every_update_create_exactly_one_run_per_update() throws Exception {
        String any = h.fixture(engine, "asset_any_fires_on_one");
        triggers.close(); // only the racers below decide
        Engine other = h.engine();
        List<AssetTriggers> schedulers = List.of(
                new AssetTriggers(engine, Duration.ofMinutes(10)),
                new AssetTriggers(other, Duration.ofMinutes(10)),
                new AssetTriggers(engine, Duration.ofMinutes(10)),
                new AssetTriggers(other, Duration.ofMinutes(10)));
        ExecutorService pool = Executors.newFixedThreadPool(schedulers.size());
        try {
            for (int i = 0; i < 15; i++) {
                long event = publish(i % 2 == 0 ? ORDERS : CUSTOMERS, Map.of("i", i));
                CyclicBarrier together = new CyclicBarrier(schedulers.size());
                List<Future<Long>> results = new ArrayList<>();
                for (AssetTriggers s : schedulers) {
                    Callable<Long> race = () -> {
                        together.await();
                        return s.check(any);
                    };
                    results.add(pool.submit(race));
                }
                List<Long> created = new ArrayList<>();
                for (var f : results) if (f.get() != null) created.add(f.get());
                assertThat(created).as("update %d", i).hasSize(1);
                assertThat(triggeringEventIds(created.get(0))).containsExactly(event);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(assetRuns(any)).hasSize(15);
        assertThat(value("select count(distinct logical_date) from dag_run where dag_id = ?", any))
                .isEqualTo(15L);
        assertThat(value("select last_run_key from asset_trigger_cursor where dag_id = ?", any))
                .isEqualTo(assetRuns(any).get(14));
    }

    @Test
    void a_paused_consumer_keeps_its_events_and_runs_on_them_once_unpaused() throws Exception {
        String any = h.fixture(engine, "asset_any_fires_on_one");
        engine.dags().setPaused(any, true);
        long event = publish(ORDERS, Map.of());
        assertThat(triggers.checkAll()).isEmpty();
        assertThat(value("select count(*) from asset_event_queue where dag_id = ?", any))
                .isEqualTo(1L);
        engine.dags().setPaused(any, false);
        triggers.wake();
        await().atMost(Duration.ofSeconds(20)).until(() -> assetRuns(any).size() == 1);
        assertThat(triggeringEventIds(assetRuns(any).get(0))).containsExactly(event);
    }

    @Test
    void a_failed_producer_records_no_event() throws Exception {
        String dag = h.fixture(engine, "asset_producer_fails");
        long run = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(value("select count(*) from asset_event")).isEqualTo(0L);
        // the asset exists (the DAG names it) with its producer, but has no event
        assertThat(value("select count(*) from asset_producer p join asset a on a.id = p.asset_id"
                        + " where a.uri = 's3://lake/never.parquet' and p.task_id = 'broken'"))
                .isEqualTo(1L);
    }
}
