//! A [`Sink`] run on a thread of its own: the splitter's walk (grammar,
//! duplicate keys, the skeleton) on one core and the formats' folds over
//! the elements on the other, instead of both on one. The walk hands the
//! events over in batches, in document order, and never waits for the
//! fold except to bound memory: a few batches of 256 KiB are in flight,
//! and an element over 1 MiB goes alone and is folded before the walk goes
//! on (so at most one copy of a large element is in the pipe).

#![deny(clippy::arithmetic_side_effects)]

use std::ops::Range;
use std::sync::mpsc::{self, Receiver, SyncSender};

use crate::scan::split::{Sink, Step};

/// A batch is sent once it holds this much element text.
const BATCH_BYTES: usize = 256 << 10;
/// Batches queued for the fold.
const QUEUED: usize = 4;
/// An element this large goes alone, and is folded before the walk goes on.
const LARGE: usize = 1 << 20;

/// Runs `walk` on this thread with a sink that hands every event to
/// `inner`, which runs on a second thread; returns what `walk` returned
/// once `inner` saw every event (an error only when the thread cannot
/// start). A panic of `inner` is resumed here.
pub fn piped<R>(
    inner: &mut (dyn Sink + Send),
    walk: impl FnOnce(&mut dyn Sink) -> R,
) -> std::io::Result<R> {
    let (tx, rx) = mpsc::sync_channel::<Batch>(QUEUED);
    let (back_tx, back_rx) = mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        let fold = std::thread::Builder::new()
            .name("tool-fold".to_string())
            .spawn_scoped(scope, move || fold(inner, &rx, &back_tx))?;
        let mut pipe = Pipe { tx: Some(tx), back: back_rx, batch: Batch::default(), out: 0 };
        let result = walk(&mut pipe);
        pipe.send();
        drop(pipe);
        if let Err(panic) = fold.join() {
            std::panic::resume_unwind(panic);
        }
        Ok(result)
    })
}

/// Events and the text they point into.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    events: Vec<Event>,
    /// The paths of the arrays that start in this batch.
    paths: Vec<Vec<Step>>,
}

enum Event {
    /// The array at `paths[path]` starts; its prefix is `text[prefix]`.
    Start {
        path: usize,
        prefix: Range<usize>,
    },
    Element {
        index: usize,
        bytes: Range<usize>,
        key: Option<Range<usize>>,
    },
    End {
        count: usize,
    },
}

impl Batch {
    fn clear(&mut self) {
        self.text.clear();
        self.events.clear();
        self.paths.clear();
    }

    /// Appends `bytes` to the text: where they are.
    fn text(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.text.len();
        self.text.extend_from_slice(bytes);
        start..self.text.len()
    }
}

/// The walk's side.
struct Pipe {
    tx: Option<SyncSender<Batch>>,
    /// Batches the fold is done with, to fill again.
    back: Receiver<Batch>,
    batch: Batch,
    /// Batches sent and not back yet.
    out: usize,
}

impl Pipe {
    /// Sends the batch being filled, if it holds anything.
    fn send(&mut self) {
        if self.batch.events.is_empty() {
            return;
        }
        let spare = match self.back.try_recv() {
            Ok(spare) => {
                self.out = self.out.saturating_sub(1);
                // Not one that held a large element: its room is not kept.
                match spare.text.capacity() > 2 * LARGE {
                    true => Batch::default(),
                    false => spare,
                }
            }
            Err(_) => Batch::default(),
        };
        let full = std::mem::replace(&mut self.batch, spare);
        self.batch.clear();
        // A fold that stopped (it panicked) gets nothing more; its panic is
        // resumed when it is joined.
        if let Some(tx) = &self.tx {
            match tx.send(full) {
                Ok(()) => self.out = self.out.saturating_add(1),
                Err(_) => self.tx = None,
            }
        }
    }

    /// Sends the batch, then waits until the fold is done with every batch.
    fn drain(&mut self) {
        self.send();
        while self.out > 0 && self.tx.is_some() {
            match self.back.recv() {
                Ok(_) => self.out = self.out.saturating_sub(1),
                Err(_) => break,
            }
        }
    }

    fn full(&mut self) {
        if self.batch.text.len() >= BATCH_BYTES {
            self.send();
        }
    }
}

impl Sink for Pipe {
    fn start(&mut self, at: &[Step], prefix: &[u8]) {
        let path = self.batch.paths.len();
        self.batch.paths.push(at.to_vec());
        let prefix = self.batch.text(prefix);
        self.batch.events.push(Event::Start { path, prefix });
        self.full();
    }

    fn element(&mut self, _at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        // Streamed arrays do not nest: an element is of the array that
        // started last, whose path the fold holds.
        let large = bytes.len() >= LARGE;
        if large {
            self.send();
        }
        let bytes = self.batch.text(bytes);
        let key = key.map(|key| self.batch.text(key));
        self.batch.events.push(Event::Element { index, bytes, key });
        if large {
            self.drain();
        } else {
            self.full();
        }
    }

    fn end(&mut self, _at: &[Step], count: usize) {
        self.batch.events.push(Event::End { count });
    }
}

/// The fold's side: every event, in order, to `inner`.
fn fold(inner: &mut (dyn Sink + Send), rx: &Receiver<Batch>, back: &mpsc::Sender<Batch>) {
    let mut path: Vec<Step> = Vec::new();
    while let Ok(batch) = rx.recv() {
        let text = |range: &Range<usize>| batch.text.get(range.clone()).unwrap_or_default();
        for event in &batch.events {
            match event {
                Event::Start { path: at, prefix } => {
                    path = batch.paths.get(*at).cloned().unwrap_or_default();
                    inner.start(&path, text(prefix));
                }
                Event::Element { index, bytes, key } => {
                    inner.element(&path, *index, text(bytes), key.as_ref().map(text));
                }
                Event::End { count } => inner.end(&path, *count),
            }
        }
        // The walk may be gone already (it does not wait at its end).
        let _ = back.send(batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every event as text.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn start(&mut self, at: &[Step], prefix: &[u8]) {
            self.0.push(format!("start {at:?} {}", String::from_utf8_lossy(prefix)));
        }
        fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
            let key = key.map(|k| String::from_utf8_lossy(k).into_owned());
            self.0.push(format!("{at:?}[{index}] {} {key:?}", bytes.len()));
        }
        fn end(&mut self, at: &[Step], count: usize) {
            self.0.push(format!("end {at:?} {count}"));
        }
    }

    /// The events of two arrays, with small (thousands: several batches),
    /// batch-filling and large elements: the piped sink sees exactly what a
    /// direct one sees, in the same order.
    #[test]
    fn a_piped_sink_sees_every_event_in_order() {
        let mut sizes = vec![3, 5, BATCH_BYTES, 7, LARGE + 1, 2];
        sizes.extend(std::iter::repeat_n(64, 5_000));
        sizes.push(LARGE);
        let events = |sink: &mut dyn Sink| {
            for (array, sizes) in [("a", sizes.as_slice()), ("b", &[][..]), ("c", &[1][..])] {
                let at = [Step::Key("runs".into()), Step::Index(1), Step::Key(array.into())];
                sink.start(&at, format!("{{\"{array}\": 1}}").as_bytes());
                for (i, &size) in sizes.iter().enumerate() {
                    let key = (i % 2 == 0).then(|| format!("key {i}"));
                    sink.element(&at, i, &vec![b'x'; size], key.as_deref().map(str::as_bytes));
                }
                sink.end(&at, sizes.len());
            }
            "walked"
        };
        let mut direct = Log::default();
        assert_eq!(events(&mut direct), "walked");
        let mut piped_log = Log::default();
        assert_eq!(piped(&mut piped_log, events).unwrap(), "walked");
        assert_eq!(piped_log.0.len(), 3 * 2 + sizes.len() + 1);
        assert_eq!(piped_log.0, direct.0);
    }

    #[test]
    fn a_panic_in_the_fold_is_resumed() {
        struct Panics;
        impl Sink for Panics {
            fn start(&mut self, _: &[Step], _: &[u8]) {}
            #[allow(clippy::panic)]
            fn element(&mut self, _: &[Step], _: usize, _: &[u8], _: Option<&[u8]>) {
                panic!("fold failed");
            }
            fn end(&mut self, _: &[Step], _: usize) {}
        }
        let caught = std::panic::catch_unwind(|| {
            piped(&mut Panics, |sink| {
                for i in 0..100_000 {
                    sink.element(&[], i, &[b'x'; 64], None);
                }
            })
        });
        let panic = caught.unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"fold failed"));
    }
}
