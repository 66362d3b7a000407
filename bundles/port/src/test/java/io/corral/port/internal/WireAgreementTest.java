package io.corral.port.internal;

import static org.junit.Assert.assertEquals;

import io.corral.api.port.MessageType;
import io.corral.api.process.ProcessType;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import java.util.Arrays;
import java.util.Locale;
import org.junit.Test;

/** The API's vocabulary and the worker's wire codes are defined twice (the worker runs without the API): keep them equal. */
public class WireAgreementTest {

    @Test
    public void messageTypesAndFrameTypesHaveTheSameNamesAndCodes() {
        assertEquals(MessageType.values().length, FrameType.values().length);
        for (MessageType m : MessageType.values()) {
            FrameType f = FrameType.valueOf(m.name());
            assertEquals(m.name(), m.code(), f.code());
            assertEquals(m, MessageType.ofCode(f.code()));
        }
    }

    @Test
    public void processTypeCodesAreTheirOrdinals() {
        assertEquals(Arrays.stream(ProcessType.values()).map(t -> t.name().toLowerCase(Locale.ROOT)).toList(),
            Arrays.asList(Frame.PROCESS_TYPES));
    }
}
