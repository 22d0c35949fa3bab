package io.github.vertxclassifier.observability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lint rules for grafana/vertx-classifier.json that a query evaluation cannot see: Grafana's side of the dashboard.
 * After Grafana's dashboard-linter (template-datasource, template-job, template-on-time-change-reload,
 * panel-datasource, panel-title-description, panel-units, target-rate-interval, target-job), plus this project's:
 * no import inputs, the scrape-interval variable and every target's min step at it, heatmap increase() on
 * [$__interval], unique panel ids, a current schemaVersion, and every selector of the service's series with the
 * matchers job=~"$job", namespace=~"$namespace", pod=~"$pod" (the =~ form because Grafana renders a multi-value or
 * "All" variable as a regex; namespace because the e2e's decoy shares the pods' namespace; per selector because an
 * operand can hide a selector's missing matcher from the query's result), other exporters' series by their own job
 * variable (and their names pinned to {@link #OTHER_EXPORTERS}: any other name must carry the service's matchers).
 *
 * <p>What the queries return is the one dashboard evaluator's, k8s/e2e/dashboard.py, on a real Prometheus during
 * the e2e (per replica pod, and a decoy JVM of the same image in the same namespace under another job, whose pod
 * must get nothing). The rules this lint had on that, and the check of dashboard.py that fails instead:
 *
 * <ul>
 *   <li>a panel query reads an unknown metric: "every metric the panels read is exported by both pods";
 *   <li>a variable query reads an unknown metric: "variable $pod lists both pods", "$job offers", "has values"
 *       (and a query variable of any form but label_values(series, label) fails there).
 * </ul>
 *
 * <p>Deliberate differences from dashboard-linter: the job variable has no "All" (its allValue .+ would select
 * every other JVM's job), and pod replaces instance (the operator's instance label is the pod IP, new on every
 * restart). Each rule returns human-readable violations, so a test can assert none on the real dashboard and some
 * on a bad one.
 */
final class DashboardLinter {

    /**
     * Series of other exporters the dashboard shows where they run (kube-state-metrics' HPA status, ingress-nginx's
     * and Envoy's request timings): selected by their own job variable, never by $job; expected empty in the e2e
     * (dashboard.py's EXPECTED_EMPTY).
     */
    static final Set<String> OTHER_EXPORTERS = Set.of(
            "kube_horizontalpodautoscaler_status_desired_replicas",
                    "kube_horizontalpodautoscaler_status_current_replicas",
            "nginx_ingress_controller_request_duration_seconds_bucket", "envoy_cluster_upstream_rq_time_bucket");
    /** Every service target's min step: Grafana then takes $__rate_interval as 4 of it (1m at 15s). */
    static final String MIN_STEP = "$scrape_interval";

    static final String DEFAULT_SCRAPE_INTERVAL = "15s";
    private static final Pattern OTHER_JOB = Pattern.compile("job=~\"\\$(?!job\")\\w+\"");

    private static final Set<String> PROMQL_KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "inf",
            "nan");
    private static final Pattern FUNCTION_CALL = Pattern.compile("\\b(rate|irate|increase)\\s*\\(");
    private static final Pattern RANGE = Pattern.compile("\\[([^\\]]*)\\]");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*\\}");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER =
            Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w(])(?!\\s*\\()");
    /** Grafana 11.0 writes 39, Grafana 12 writes 41: a dashboard outside loads through a migration or not at all. */
    static final int MIN_SCHEMA_VERSION = 39;

    static final int MAX_SCHEMA_VERSION = 41;
    static final String DEFAULT_JOB = "vertx-classifier";
    /** Grafana unit ids (packages/grafana-data valueFormats) this dashboard may use. */
    static final Set<String> UNITS = Set.of(
            "short",
            "none",
            "percent",
            "percentunit",
            "reqps",
            "rps",
            "ops",
            "s",
            "ms",
            "us",
            "ns",
            "bytes",
            "decbytes",
            "Bps",
            "binBps",
            "cores");

    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*\\})?");

    private DashboardLinter() {}

    /** All violations of {@code dashboard}. */
    static List<String> lint(JsonObject dashboard) {
        List<String> problems = new ArrayList<>();
        problems.addAll(templateRules(dashboard));
        int schema = dashboard.getInteger("schemaVersion", 0);
        if (schema < MIN_SCHEMA_VERSION || schema > MAX_SCHEMA_VERSION) {
            problems.add("schemaVersion " + schema + " is not a current one (" + MIN_SCHEMA_VERSION + ".."
                    + MAX_SCHEMA_VERSION + ")");
        }
        Set<Object> ids = new java.util.HashSet<>();
        for (JsonObject panel : panels(dashboard)) {
            if (!ids.add(panel.getValue("id"))) {
                problems.add("panel '" + panel.getString("title") + "' reuses id " + panel.getValue("id"));
            }
            problems.addAll(panelRules(panel));
        }
        return problems;
    }

    static List<String> templateRules(JsonObject dashboard) {
        List<String> problems = new ArrayList<>();
        if (dashboard.containsKey("__inputs") || dashboard.containsKey("__requires")) {
            problems.add(
                    "dashboard has __inputs/__requires: it is an export for import with inputs, not a ready dashboard");
        }
        if (dashboard.encode().contains("${DS_")) {
            problems.add("dashboard references a ${DS_...} import input");
        }
        JsonArray vars = dashboard.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray());
        JsonObject datasource = variable(vars, "datasource");
        if (datasource == null
                || !"datasource".equals(datasource.getString("type"))
                || !"prometheus".equals(datasource.getValue("query"))) {
            problems.add("no template variable 'datasource' of type datasource with query prometheus");
        }
        for (String name : List.of("job", "namespace", "pod")) {
            JsonObject v = variable(vars, name);
            if (v == null
                    || !"query".equals(v.getString("type"))
                    || !variableQuery(v).startsWith("label_values(")) {
                problems.add("no template variable '" + name + "' of type query with a label_values(...) query");
                continue;
            }
            if (!usesDatasourceVariable(v.getValue("datasource"))) {
                problems.add("variable '" + name + "' does not use the datasource variable");
            }
            if (v.getInteger("refresh", 0) != 2) {
                problems.add("variable '" + name + "' is not refreshed on time range change (refresh: 2)");
            }
        }
        JsonObject scrape = variable(vars, MIN_STEP.substring(1));
        Object scrapeDefault = scrape == null
                ? null
                : scrape.getJsonObject("current", new JsonObject()).getValue("value");
        if (scrape == null || !DEFAULT_SCRAPE_INTERVAL.equals(scrapeDefault)) {
            problems.add("no variable '" + MIN_STEP.substring(1) + "' with default " + DEFAULT_SCRAPE_INTERVAL
                    + " (the ServiceMonitor's interval): " + scrapeDefault);
        }
        JsonObject job = variable(vars, "job");
        if (job != null) {
            if (!"job".equals(job.getString("label")) || !Boolean.TRUE.equals(job.getBoolean("multi"))) {
                problems.add("variable 'job' must be labelled job and multi-select");
            }
            if (Boolean.TRUE.equals(job.getBoolean("includeAll"))) {
                problems.add("variable 'job' offers \"All\" (" + job.getValue("allValue")
                        + "): it selects every other JVM's job");
            }
            Object current = job.getJsonObject("current", new JsonObject()).getValue("value");
            if (!String.valueOf(current).contains(DEFAULT_JOB)) {
                problems.add("variable 'job' does not default to " + DEFAULT_JOB + " (current: " + current + ")");
            }
        }
        return problems;
    }

    static List<String> panelRules(JsonObject panel) {
        List<String> problems = new ArrayList<>();
        String title = panel.getString("title", "");
        String where = "panel '" + title + "' (id " + panel.getValue("id") + ")";
        if (title.isBlank()) {
            problems.add(where + " has no title");
        }
        if ("row".equals(panel.getString("type"))) {
            return problems;
        }
        if (panel.getString("description", "").isBlank()) {
            problems.add(where + " has no description");
        }
        JsonObject defaults =
                panel.getJsonObject("fieldConfig", new JsonObject()).getJsonObject("defaults", new JsonObject());
        if (defaults.getString("unit", "").isBlank()) {
            problems.add(where + " has no unit (fieldConfig.defaults.unit)");
        } else if (!UNITS.contains(defaults.getString("unit"))) {
            problems.add(where + " has unit " + defaults.getString("unit") + ", not a Grafana unit id in " + UNITS);
        }
        if (!usesDatasourceVariable(panel.getValue("datasource"))) {
            problems.add(where + " does not use the datasource variable: " + panel.getValue("datasource"));
        }
        JsonArray targets = panel.getJsonArray("targets", new JsonArray());
        if (targets.isEmpty()) {
            problems.add(where + " has no targets");
        }
        for (int i = 0; i < targets.size(); i++) {
            JsonObject target = targets.getJsonObject(i);
            String expr = target.getString("expr", "");
            String at = where + " target " + target.getString("refId", "#" + i);
            if (!usesDatasourceVariable(target.getValue("datasource"))) {
                problems.add(at + " does not use the datasource variable: " + target.getValue("datasource"));
            }
            if (expr.isBlank()) {
                problems.add(at + " has no expr");
                continue;
            }
            boolean heatmap = "heatmap".equals(panel.getString("type"));
            problems.addAll(heatmap ? heatmapIntervalRule(at, expr) : rateIntervalRule(at, expr));
            if (!heatmap && !MIN_STEP.equals(target.getString("interval"))) {
                problems.add(at + " has min step (interval) " + target.getString("interval") + " instead of " + MIN_STEP
                        + ": Grafana would size $__rate_interval from the data source's scrape interval");
            }
            problems.addAll(filterRule(at, expr));
        }
        return problems;
    }

    /** Every range selector is [$__rate_interval], and every rate()/irate()/increase() has one. */
    static List<String> rateIntervalRule(String at, String expr) {
        List<String> problems = new ArrayList<>();
        Matcher range = RANGE.matcher(expr);
        while (range.find()) {
            if (!range.group(1).equals("$__rate_interval")) {
                problems.add(at + " uses range [" + range.group(1) + "] instead of [$__rate_interval]: " + expr);
            }
        }
        Matcher call = FUNCTION_CALL.matcher(expr);
        while (call.find()) {
            String argument = argument(expr, call.end());
            if (!argument.contains("[$__rate_interval]")) {
                problems.add(at + " calls " + call.group(1) + "() without [$__rate_interval]: " + expr);
            }
        }
        return problems;
    }

    /**
     * A heatmap of histogram buckets shows counts per cell: increase() over [$__interval], the query step, so
     * cells tile the time axis. Over [$__rate_interval] (wider than the step) each request lands in several
     * cells: an over-count.
     */
    static List<String> heatmapIntervalRule(String at, String expr) {
        List<String> problems = new ArrayList<>();
        Matcher range = RANGE.matcher(expr);
        while (range.find()) {
            if (!range.group(1).equals("$__interval")) {
                problems.add(at + " (heatmap) uses range [" + range.group(1) + "] instead of [$__interval]: " + expr);
            }
        }
        Matcher call = FUNCTION_CALL.matcher(expr);
        while (call.find()) {
            if (!call.group(1).equals("increase") || !argument(expr, call.end()).contains("[$__interval]")) {
                problems.add(at + " (heatmap) must count with increase(...[$__interval]): " + expr);
            }
        }
        return problems;
    }

    /**
     * Every selector of the service's series filters on the job, namespace and pod variables (dashboard-linter
     * target-job); another exporter's series on its own job variable (job=~"$ksm_job", never a bare name).
     */
    static List<String> filterRule(String at, String expr) {
        List<String> problems = new ArrayList<>();
        String masked = maskGroupings(expr);
        Matcher selector = SELECTOR.matcher(masked);
        Set<String> metrics = metricNames(expr);
        while (selector.find()) {
            if (!metrics.contains(selector.group(1))) {
                continue;
            }
            String matchers = selector.group(2) == null ? "" : expr.substring(selector.start(2), selector.end(2));
            if (OTHER_EXPORTERS.contains(selector.group(1))) {
                if (!OTHER_JOB.matcher(matchers).find()) {
                    problems.add(at + " selects " + selector.group(1)
                            + " without its exporter's job variable (job=~\"$..._job\"): " + expr);
                }
                continue;
            }
            if (!matchers.contains("job=~\"$job\"")) {
                problems.add(at + " selects " + selector.group(1) + " without job=~\"$job\": " + expr);
            }
            if (!matchers.contains("namespace=~\"$namespace\"") || !matchers.contains("pod=~\"$pod\"")) {
                problems.add(at + " selects " + selector.group(1)
                        + " without namespace=~\"$namespace\", pod=~\"$pod\": " + expr);
            }
        }
        return problems;
    }

    /** Metric names in a PromQL expression: identifiers that are not functions, labels, keywords or variables. */
    static Set<String> metricNames(String expr) {
        String stripped = maskGroupings(expr);
        stripped = MATCHERS.matcher(stripped).replaceAll(" ");
        stripped = RANGE.matcher(stripped).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher id = IDENTIFIER.matcher(stripped);
        while (id.find()) {
            String name = id.group(1);
            if (!PROMQL_KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }

    /** Replaces strings and grouping clauses by spaces of the same length, so offsets stay valid. */
    private static String maskGroupings(String expr) {
        StringBuilder out = new StringBuilder(expr);
        for (Pattern p : List.of(STRING, GROUPING)) {
            Matcher m = p.matcher(out.toString());
            while (m.find()) {
                for (int i = m.start(); i < m.end(); i++) {
                    out.setCharAt(i, ' ');
                }
            }
        }
        return out.toString();
    }

    private static String argument(String expr, int from) {
        int depth = 1;
        for (int i = from; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return expr.substring(from, i);
            }
        }
        return expr.substring(from);
    }

    static boolean usesDatasourceVariable(Object datasource) {
        if (datasource instanceof String s) {
            return s.equals("${datasource}") || s.equals("$datasource");
        }
        if (datasource instanceof JsonObject o) {
            String uid = o.getString("uid", "");
            return (uid.equals("${datasource}") || uid.equals("$datasource"))
                    && "prometheus".equals(o.getString("type"));
        }
        return false;
    }

    static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> all = new ArrayList<>();
        collect(dashboard.getJsonArray("panels", new JsonArray()), all);
        return all;
    }

    private static void collect(JsonArray panels, List<JsonObject> into) {
        for (int i = 0; i < panels.size(); i++) {
            JsonObject panel = panels.getJsonObject(i);
            into.add(panel);
            collect(panel.getJsonArray("panels", new JsonArray()), into); // collapsed rows nest their panels
        }
    }

    private static String variableQuery(JsonObject v) {
        Object query = v.getValue("query");
        if (query instanceof JsonObject o) {
            return o.getString("query", "");
        }
        return query == null ? "" : query.toString();
    }

    private static JsonObject variable(JsonArray vars, String name) {
        for (int i = 0; i < vars.size(); i++) {
            if (name.equals(vars.getJsonObject(i).getString("name"))) {
                return vars.getJsonObject(i);
            }
        }
        return null;
    }

    /** Every link URL of the dashboard and its panels. */
    static List<String> linkUrls(JsonObject dashboard) {
        List<String> urls = new ArrayList<>();
        JsonArray links = dashboard.getJsonArray("links", new JsonArray());
        for (int i = 0; i < links.size(); i++) {
            urls.add(links.getJsonObject(i).getString("url", ""));
        }
        for (JsonObject panel : panels(dashboard)) {
            JsonArray panelLinks = panel.getJsonArray("links", new JsonArray());
            for (int i = 0; i < panelLinks.size(); i++) {
                urls.add(panelLinks.getJsonObject(i).getString("url", ""));
            }
        }
        return urls;
    }

    /** Every PromQL expression of the dashboard's panels (not the variables). */
    static List<String> panelExpressions(JsonObject dashboard) {
        List<String> exprs = new ArrayList<>();
        for (JsonObject panel : panels(dashboard)) {
            JsonArray targets = panel.getJsonArray("targets", new JsonArray());
            for (int i = 0; i < targets.size(); i++) {
                exprs.add(targets.getJsonObject(i).getString("expr", ""));
            }
        }
        return exprs;
    }
}
