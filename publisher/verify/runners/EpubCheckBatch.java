// Run EPUBCheck on several EPUBs in one JVM (a JVM start is most of EPUBCheck's 6-8 s a call).
//
// usage: java -cp epubcheck.jar EpubCheckBatch.java BOOK.epub REPORT.json [BOOK.epub REPORT.json ...]
//
// Each pair is checked exactly as `java -jar epubcheck.jar BOOK.epub --usage --json REPORT.json`
// would check it, through EPUBCheck's own command-line class. Called by
// publisher/verify/epubcheck.py with Java's single-file source launcher (JDK 11+).
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubCheckBatch {
    public static void main(String[] args) {
        if (args.length == 0 || args.length % 2 != 0) {
            System.err.println("usage: EpubCheckBatch BOOK.epub REPORT.json [BOOK.epub REPORT.json ...]");
            System.exit(64);
        }
        for (int i = 0; i < args.length; i += 2) {
            new EpubChecker().run(new String[] {args[i], "--usage", "--json", args[i + 1]});
        }
    }
}
