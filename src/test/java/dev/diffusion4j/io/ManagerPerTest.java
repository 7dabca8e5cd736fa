package dev.diffusion4j.io;

import ai.djl.ndarray.NDManager;
import dev.diffusion4j.tensor.Engines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The loader tests' setup: the engine started once, and a fresh {@link NDManager} for each test, closed after it. */
abstract class ManagerPerTest {

    NDManager manager;

    @BeforeAll
    static void engine() {
        Engines.start(0);
    }

    @BeforeEach
    void newManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }
}
