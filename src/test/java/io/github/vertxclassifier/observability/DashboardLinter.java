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
 * Lint rules for grafana/vertx-classifier.json, in the spirit of Grafana's dashboard-linter: each rule returns
 * human-readable violations, so a test can assert none on the real dashboard and some on a bad one.
 */
final class DashboardLinter {

  /** Series Prometheus itself adds for every target: real, but not exported by the service. */
  static final Set<String> PROMETHEUS_SYNTHETIC = Set.of(
      "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
      "scrape_series_added");

  private static final Set<String> PROMQL_KEYWORDS = Set.of(
      "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
      "inf", "nan");
  private static final Pattern FUNCTION_CALL = Pattern.compile("\\b(rate|irate|increase)\\s*\\(");
  private static final Pattern RANGE = Pattern.compile("\\[([^\\]]*)\\]");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*\\}");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w(])(?!\\s*\\()");
  /** label_values(series, label): the series part is PromQL, the label is not a metric. */
  private static final Pattern LABEL_VALUES = Pattern.compile("\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*");
  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*\\})?");

  private DashboardLinter() {
  }

  /** All violations of {@code dashboard}; {@code knownMetrics} are the series names that really exist. */
  static List<String> lint(JsonObject dashboard, Set<String> knownMetrics) {
    List<String> problems = new ArrayList<>();
    problems.addAll(templateRules(dashboard));
    for (JsonObject panel : panels(dashboard)) {
      problems.addAll(panelRules(panel, knownMetrics));
    }
    for (String query : variableQueries(dashboard)) {
      Matcher labelValues = LABEL_VALUES.matcher(query);
      String series = labelValues.matches() ? labelValues.group(1) : query;
      for (String metric : metricNames(series)) {
        if (!knownMetrics.contains(metric)) {
          problems.add("variable query '" + query + "' uses unknown metric " + metric);
        }
      }
    }
    return problems;
  }

  static List<String> templateRules(JsonObject dashboard) {
    List<String> problems = new ArrayList<>();
    if (dashboard.containsKey("__inputs") || dashboard.containsKey("__requires")) {
      problems.add("dashboard has __inputs/__requires: it is an export for import with inputs, not a ready dashboard");
    }
    if (dashboard.encode().contains("${DS_")) {
      problems.add("dashboard references a ${DS_...} import input");
    }
    JsonArray vars = dashboard.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray());
    JsonObject datasource = variable(vars, "datasource");
    if (datasource == null || !"datasource".equals(datasource.getString("type"))
        || !"prometheus".equals(datasource.getValue("query"))) {
      problems.add("no template variable 'datasource' of type datasource with query prometheus");
    }
    for (String name : List.of("namespace", "pod")) {
      JsonObject v = variable(vars, name);
      if (v == null || !"query".equals(v.getString("type")) || !variableQuery(v).startsWith("label_values(")) {
        problems.add("no template variable '" + name + "' of type query with a label_values(...) query");
      } else if (!usesDatasourceVariable(v.getValue("datasource"))) {
        problems.add("variable '" + name + "' does not use the datasource variable");
      }
    }
    return problems;
  }

  static List<String> panelRules(JsonObject panel, Set<String> knownMetrics) {
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
    JsonObject defaults = panel.getJsonObject("fieldConfig", new JsonObject()).getJsonObject("defaults", new JsonObject());
    if (defaults.getString("unit", "").isBlank()) {
      problems.add(where + " has no unit (fieldConfig.defaults.unit)");
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
      problems.addAll(rateIntervalRule(at, expr));
      problems.addAll(filterRule(at, expr));
      for (String metric : metricNames(expr)) {
        if (!knownMetrics.contains(metric)) {
          problems.add(at + " uses unknown metric " + metric);
        }
      }
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

  /** Every metric selector filters on the namespace and pod variables. */
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
      if (!matchers.contains("namespace=~\"$namespace\"") || !matchers.contains("pod=~\"$pod\"")) {
        problems.add(at + " selects " + selector.group(1) + " without namespace=~\"$namespace\", pod=~\"$pod\": " + expr);
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
      return (uid.equals("${datasource}") || uid.equals("$datasource")) && "prometheus".equals(o.getString("type"));
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

  static List<String> variableQueries(JsonObject dashboard) {
    List<String> queries = new ArrayList<>();
    JsonArray vars = dashboard.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray());
    for (int i = 0; i < vars.size(); i++) {
      JsonObject v = vars.getJsonObject(i);
      if ("query".equals(v.getString("type"))) {
        queries.add(variableQuery(v));
      }
    }
    return queries;
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
