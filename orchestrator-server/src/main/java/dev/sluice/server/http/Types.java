package dev.sluice.server.http;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/** Generic response types for endpoint declarations: {@code Types.page(RunView.class)}. */
public final class Types {
    private Types() {}

    public static Type page(Class<?> item) {
        return of(Page.class, item);
    }

    public static Type items(Class<?> item) {
        return of(Items.class, item);
    }

    public static ParameterizedType of(Class<?> raw, Type... args) {
        return new ParameterizedType() {
            @Override
            public Type[] getActualTypeArguments() {
                return args.clone();
            }

            @Override
            public Type getRawType() {
                return raw;
            }

            @Override
            public Type getOwnerType() {
                return null;
            }

            @Override
            public String getTypeName() {
                return raw.getSimpleName() + "<" + args[0].getTypeName() + ">";
            }
        };
    }
}
