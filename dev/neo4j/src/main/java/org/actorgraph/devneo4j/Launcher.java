package org.actorgraph.devneo4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Starts an embedded Neo4j 5 with the Bolt connector on 127.0.0.1, for
 * development and tests only. Arguments: data directory, Bolt port, ready file.
 * It writes the ready file once Bolt accepts connections and shuts the
 * database down cleanly on SIGTERM/SIGINT.
 */
public final class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Launcher DATA_DIR BOLT_PORT READY_FILE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        Path ready = Path.of(args[2]).toAbsolutePath();
        Files.deleteIfExists(ready);
        Files.createDirectories(home);

        String pageCache = System.getenv().getOrDefault("NEO4J_PAGECACHE", "1g");
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pageCache))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j: shutting down");
            dbms.shutdown();
            try {
                Files.deleteIfExists(ready);
            } catch (Exception ignored) {
                // the file is only a start-up signal
            }
            System.out.println("neo4j: stopped");
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        // Wait until the default database is online before announcing readiness.
        while (!db.isAvailable(1000)) {
            System.out.println("neo4j: waiting for the database");
        }
        Files.writeString(ready, Integer.toString(port));
        System.out.println("neo4j: ready on bolt://127.0.0.1:" + port);
        Thread.currentThread().join();
    }

    private static long parseBytes(String s) {
        String v = s.trim().toLowerCase();
        long mult = 1;
        if (v.endsWith("g")) { mult = 1L << 30; v = v.substring(0, v.length() - 1); }
        else if (v.endsWith("m")) { mult = 1L << 20; v = v.substring(0, v.length() - 1); }
        return Long.parseLong(v) * mult;
    }
}
