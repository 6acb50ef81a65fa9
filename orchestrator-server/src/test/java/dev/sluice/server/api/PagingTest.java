package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keyset cursors: pages in order, no row twice or skipped, null cursor on the last page. */
class PagingTest {

    @Test
    void runs_and_grid_page_newest_first_without_gaps() throws Exception {
        ApiServer s = ApiServer.shared();
        for (int day = 1; day <= 7; day++) {
            var r = s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"logical_date\":\"2023-06-0" + day + "T00:00:00Z\"}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            var page = s.get(
                            "/runs?dag_id=ok_dag&from=2023-06-01&to=2023-06-30&limit=3"
                                    + (cursor == null ? "" : "&cursor=" + cursor),
                            Role.VIEWER)
                    .json();
            sizes.add(page.path("items").size());
            page.path("items").forEach(i -> seen.add(i.path("logical_date").asText()));
            cursor = page.path("next_cursor").isNull()
                    ? null
                    : page.path("next_cursor").asText();
        } while (cursor != null);
        assertThat(sizes).containsExactly(3, 3, 1);
        assertThat(seen)
                .containsExactly(
                        "2023-06-07T00:00:00Z",
                        "2023-06-06T00:00:00Z",
                        "2023-06-05T00:00:00Z",
                        "2023-06-04T00:00:00Z",
                        "2023-06-03T00:00:00Z",
                        "2023-06-02T00:00:00Z",
                        "2023-06-01T00:00:00Z");

        var grid = s.get("/dags/ok_dag/grid?limit=2", Role.VIEWER).json();
        assertThat(grid.path("runs")).hasSize(2);
        var next = s.get(
                        "/dags/ok_dag/grid?limit=2&cursor="
                                + grid.path("next_cursor").asText(),
                        Role.VIEWER)
                .json();
        assertThat(next.path("runs").get(0).path("logical_date").asText())
                .isLessThan(grid.path("runs").get(1).path("logical_date").asText());
    }

    @Test
    void audit_and_dag_lists_page_too() throws Exception {
        ApiServer s = ApiServer.shared();
        s.send("PATCH", "/dags/slow_dag", Role.OPERATOR, "{\"is_paused\":true}");
        s.send("PATCH", "/dags/slow_dag", Role.OPERATOR, "{\"is_paused\":false}");
        var first = s.get("/audit?limit=1", Role.ADMIN).json();
        var second = s.get("/audit?limit=1&cursor=" + first.path("next_cursor").asText(), Role.ADMIN)
                .json();
        assertThat(first.path("items").get(0).toString())
                .isNotEqualTo(second.path("items").get(0).toString());

        var dags = s.get("/dags?limit=1", Role.VIEWER).json();
        assertThat(dags.path("items")).hasSize(1);
        var more = s.get("/dags?limit=10&cursor=" + dags.path("next_cursor").asText(), Role.VIEWER)
                .json();
        assertThat(more.path("items").findValuesAsText("dag_id"))
                .doesNotContain(dags.path("items").get(0).path("dag_id").asText());
        assertThat(s.get("/dags?tag=test", Role.VIEWER).json().path("items").findValuesAsText("dag_id"))
                .containsExactly("ok_dag");
        assertThat(s.get("/dags?q=SLOW", Role.VIEWER).json().path("items").findValuesAsText("dag_id"))
                .containsExactly("slow_dag");
    }
}
