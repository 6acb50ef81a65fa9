package dev.sluice.task;

import java.util.ServiceLoader;

/**
 * A plugin's contribution to the services task types reach through {@link TaskContext#service}, found with
 * {@link ServiceLoader} like task types. A plugin that owns tables (the model registry) offers its repository this
 * way, so the task types of another plugin use it without reading those tables or knowing the class behind it.
 */
public interface TaskServiceProvider {
    /** Adds this plugin's services, built on the node's own ones ({@code javax.sql.DataSource}...). */
    void provide(TaskServices services);

    /** Lets every provider on the class path add its services, in class-path order. */
    static TaskServices provideAll(TaskServices services) {
        for (TaskServiceProvider p : ServiceLoader.load(TaskServiceProvider.class)) p.provide(services);
        return services;
    }
}
