package io.github.vertxclassifier.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Unknown fields, the one thing {@link SchemaValidation} lets through (the published schemas carry no
 * {@code additionalProperties: false}), which `kubectl apply` rejects (field validation is Strict by default since
 * 1.27). fabric8 keeps every field its model lacks in an {@code additionalProperties} map; this walks the model
 * and reports each such map with its path (a misspelt {@code periodSecond}, a field one level too deep).
 */
final class StrictModel {

    private StrictModel() {}

    static List<String> problems(HasMetadata object) {
        List<String> problems = new ArrayList<>();
        walk(object, object.getKind() + "/" + object.getMetadata().getName(), problems);
        return problems;
    }

    private static void walk(Object value, String path, List<String> problems) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, problems));
        } else if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", problems);
            }
        } else if (value != null && value.getClass().getName().startsWith("io.fabric8.")) {
            for (Class<?> type = value.getClass(); type != Object.class; type = type.getSuperclass()) {
                for (Field field : type.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers())) {
                        continue;
                    }
                    Object fieldValue = read(field, value);
                    if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
                        if (!extra.isEmpty()) {
                            problems.add(path + ": unknown field(s) " + extra.keySet());
                        }
                    } else {
                        walk(fieldValue, path + "." + field.getName(), problems);
                    }
                }
            }
        }
    }

    private static Object read(Field field, Object owner) {
        try {
            field.setAccessible(true);
            return field.get(owner);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + field + ": " + e, e);
        }
    }
}
