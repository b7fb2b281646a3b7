package dev.skiff.api.meta;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * A new model object whose fields are the original's: every nested object, list and map is shared.
 * For when a caller changes one field of an object it must not change (a cached or informer object):
 * it copies the objects on the path to that field and shares the rest, which is safe as long as the
 * shared parts are only read, as the model is treated everywhere. fabric8's builders copy deeply;
 * for a Pod that is thousands of objects, and their generated methods are so large that C2 took
 * seconds to compile each one (docs/benchmarks.md, "Fewer giant compiles").
 */
public final class ShallowCopy {
    private static final ClassValue<Copier> COPIERS = new ClassValue<>() {
        @Override
        protected Copier computeValue(Class<?> type) {
            return Copier.of(type);
        }
    };

    private ShallowCopy() {
    }

    /** A copy of {@code object} sharing all it holds; its class needs a no-argument constructor. */
    @SuppressWarnings("unchecked")
    public static <T> T of(T object) {
        return (T) COPIERS.get(object.getClass()).copy(object);
    }

    private record Copier(Constructor<?> constructor, Field[] fields) {
        /** Model classes only: plain beans with a no-argument constructor and no final fields (records and JDK types are refused). */
        static Copier of(Class<?> type) {
            List<Field> fields = new ArrayList<>();
            try {
                for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
                    for (Field f : c.getDeclaredFields()) {
                        if (Modifier.isStatic(f.getModifiers())) {
                            continue;
                        }
                        if (Modifier.isFinal(f.getModifiers())) {
                            throw new IllegalArgumentException(type.getName() + " has a final field, " + f.getName() + ", that a copy could not set");
                        }
                        f.setAccessible(true);
                        fields.add(f);
                    }
                }
                Constructor<?> constructor = type.getDeclaredConstructor();
                constructor.setAccessible(true);
                return new Copier(constructor, fields.toArray(Field[]::new));
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getName() + " has no constructor without arguments to copy with", e);
            } catch (java.lang.reflect.InaccessibleObjectException e) {
                throw new IllegalArgumentException(type.getName() + " is not a model class this can copy: " + e.getMessage(), e);
            }
        }

        Object copy(Object original) {
            try {
                Object copy = constructor.newInstance();
                for (Field f : fields) {
                    f.set(copy, f.get(original));
                }
                return copy;
            } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot copy a " + original.getClass().getName(), e);
            }
        }
    }
}
