package io.corral.shell.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * {@code bin/corral shell} at a terminal, with jline: line editing, history in
 * the instance's {@code run/shell.history}, Tab completion answered by the
 * instance, and Ctrl-C that interrupts the command running in the instance.
 */
final class TerminalPrompt implements Prompt {

    static final String HISTORY = "shell.history";

    private final Terminal terminal;
    private final LineReader reader;
    private volatile Runnable onInterrupt;

    /**
     * @param runDirectory the instance's run/, where the history is kept
     * @param complete     the candidates for a line's words up to the cursor (the last one being typed)
     */
    TerminalPrompt(Path runDirectory, Function<List<String>, List<String>> complete) throws IOException {
        terminal = TerminalBuilder.builder().name("corral").system(true).nativeSignals(true)
            .signalHandler(Terminal.SignalHandler.SIG_IGN).build();
        reader = LineReaderBuilder.builder().terminal(terminal).appName("corral")
            .completer((r, line, candidates) -> {
                List<String> words = new ArrayList<>(line.words().subList(0, line.wordIndex()));
                words.add(line.word().substring(0, Math.min(line.wordCursor(), line.word().length())));
                for (String c : complete.apply(words)) {
                    candidates.add(new Candidate(c));
                }
            })
            .variable(LineReader.HISTORY_FILE, runDirectory.resolve(HISTORY))
            .variable(LineReader.HISTORY_FILE_SIZE, 1000)
            .build();
        terminal.handle(Terminal.Signal.INT, s -> {
            Runnable r = onInterrupt;
            if (r != null) {
                r.run();
            }
        });
    }

    /** A terminal prompt when jline is on the class path and the standard streams are a terminal; else null. */
    static Prompt openIfTerminal(Path runDirectory, Function<List<String>, List<String>> complete) {
        if (System.console() == null) {
            return null;
        }
        try {
            Class.forName("org.jline.terminal.TerminalBuilder");
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
        try {
            return new TerminalPrompt(runDirectory, complete);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String readLine() {
        while (true) {
            try {
                return reader.readLine("corral> ");
            } catch (UserInterruptException e) {
                // Ctrl-C at the prompt: a fresh line.
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public int width() {
        return terminal.getWidth();
    }

    @Override
    public void commandStarted(Runnable interrupt) {
        onInterrupt = interrupt;
    }

    @Override
    public void commandEnded() {
        onInterrupt = null;
    }

    @Override
    public void close() throws IOException {
        terminal.close();
    }
}
