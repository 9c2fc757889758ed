// Reads an HdrHistogram interval log with HdrHistogram's own HistogramLogReader and prints what
// it found, so tests/integration/hlog_reader_test.cpp can check perfgate's --hlog against it:
//
//   start_time_s S                       the log's StartTime, seconds since the epoch
//   interval START_S END_S COUNT MAX_NS  one per interval, times in seconds after StartTime
//   total COUNT MAX_NS P50_NS P90_NS P99_NS P999_NS   every interval added together
//
// P50 is HdrHistogram's getValueAtPercentile(50). Above the median its rank (p/100 * N rounded
// to the nearest) and perfgate's (the nearest rank, rounded up) may differ by one sample, so
// P90, P99 and P999 are read at perfgate's rank from HdrHistogram's recorded values.
//
// Compiled and run at test time: javac -cp /usr/share/java/hdrhistogram.jar HlogDump.java
import java.io.File;
import java.io.FileNotFoundException;
import java.util.Locale;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.HistogramLogReader;

public final class HlogDump {
  private HlogDump() {}

  // The value at the nearest rank ceil(p/100 * N), as the highest value of its bucket.
  static long valueAtNearestRank(Histogram histogram, double percentile) {
    double exactRank = percentile / 100.0 * histogram.getTotalCount();
    long wanted = Math.max(1, (long) Math.ceil(exactRank - exactRank * 1e-12));
    long cumulative = 0;
    for (HistogramIterationValue value : histogram.recordedValues()) {
      cumulative += value.getCountAtValueIteratedTo();
      if (cumulative >= wanted) return value.getValueIteratedTo();
    }
    return histogram.getMaxValue();
  }

  public static void main(String[] args) throws FileNotFoundException {
    if (args.length != 1) {
      System.err.println("usage: HlogDump FILE.hlog");
      System.exit(2);
    }
    HistogramLogReader reader = new HistogramLogReader(new File(args[0]));
    // Auto-resizing, 3 significant digits: the shape perfgate writes, whatever range it has.
    Histogram total = new Histogram(3);
    double startTimeSec = -1;
    EncodableHistogram next;
    while ((next = reader.nextIntervalHistogram()) != null) {
      if (!(next instanceof Histogram)) {
        System.err.println("an interval is not an integer histogram: " + next.getClass().getName());
        System.exit(1);
      }
      Histogram interval = (Histogram) next;
      if (startTimeSec < 0) {
        startTimeSec = reader.getStartTimeSec();
        System.out.println(String.format(Locale.ROOT, "start_time_s %.3f", startTimeSec));
      }
      // The reader makes the log's relative timestamps absolute (milliseconds since the epoch).
      double start = interval.getStartTimeStamp() / 1000.0 - startTimeSec;
      double end = interval.getEndTimeStamp() / 1000.0 - startTimeSec;
      System.out.println(String.format(Locale.ROOT, "interval %.3f %.3f %d %d", start, end, interval.getTotalCount(),
                                       interval.getMaxValue()));
      total.add(interval);
    }
    System.out.println(String.format(Locale.ROOT, "total %d %d %d %d %d %d", total.getTotalCount(), total.getMaxValue(),
                                     total.getValueAtPercentile(50), valueAtNearestRank(total, 90),
                                     valueAtNearestRank(total, 99), valueAtNearestRank(total, 99.9)));
  }
}
