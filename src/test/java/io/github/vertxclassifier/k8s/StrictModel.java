package io.github.vertxclassifier.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict reading of fabric8 model objects. fabric8 never rejects a manifest: an unknown kind becomes a
 * {@link GenericKubernetesResource} and an unknown (e.g. misspelt or misplaced) field lands in some object's
 * {@code additionalProperties} map. This walks the whole object graph (reflection over the model fields) and
 * reports both, with the path of every offending field.
 */
final class StrictModel {

  private StrictModel() {
  }

  static List<String> problems(HasMetadata object) {
    List<String> problems = new ArrayList<>();
    String name = object.getKind() + "/" + (object.getMetadata() == null ? "?" : object.getMetadata().getName());
    if (object instanceof GenericKubernetesResource) {
      problems.add(name + ": unknown kind " + object.getApiVersion() + " " + object.getKind()
          + " (no fabric8 model class is registered for it)");
      return problems;
    }
    walk(object, name, problems, new IdentityHashMap<>());
    return problems;
  }

  private static void walk(Object value, String path, List<String> problems, IdentityHashMap<Object, Boolean> seen) {
    if (value == null || seen.put(value, Boolean.TRUE) != null) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, problems, seen));
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        walk(item, path + "[" + i++ + "]", problems, seen);
      }
      return;
    }
    if (value.getClass().isArray() && !value.getClass().getComponentType().isPrimitive()) {
      for (int i = 0; i < Array.getLength(value); i++) {
        walk(Array.get(value, i), path + "[" + i + "]", problems, seen);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.")) {
      return; // String, Integer, Boolean, ...: leaves
    }
    for (Class<?> type = value.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object fieldValue = read(field, value);
        if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
          if (!extra.isEmpty()) {
            problems.add(path + ": unknown field(s) " + extra.keySet() + " in " + value.getClass().getSimpleName());
          }
          continue;
        }
        walk(fieldValue, path + "." + field.getName(), problems, seen);
      }
    }
  }

  private static Object read(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new AssertionError("cannot read " + field + ": " + e, e);
    }
  }
}
