package io.corral.shell.internal;

import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/** {@link Completions} as jline asks for them. */
final class JlineCompleter implements Completer {

    private final Completions completions;

    JlineCompleter(Completions completions) {
        this.completions = completions;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = new ArrayList<>(line.words().subList(0, line.wordIndex()));
        words.add(line.word().substring(0, Math.min(line.wordCursor(), line.word().length())));
        for (String c : completions.complete(words)) {
            candidates.add(new Candidate(c));
        }
    }
}
