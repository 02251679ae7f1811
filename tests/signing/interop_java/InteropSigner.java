import java.io.*;
import java.security.*;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.*;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.*;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** Signs IN with a PKCS#12 key through PDFBox's SignatureInterface: adbe.pkcs7.detached, CMS by BouncyCastle.
 *  args: in out p12 password algorithm chain(full|leaf) name [date-epoch-seconds] */
public class InteropSigner implements SignatureInterface {
    private final PrivateKey key;
    private final Certificate[] chain;
    private final String algorithm;

    InteropSigner(PrivateKey key, Certificate[] chain, String algorithm) {
        this.key = key; this.chain = chain; this.algorithm = algorithm;
    }

    @Override
    public byte[] sign(InputStream content) throws IOException {
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            X509Certificate cert = (X509Certificate) chain[0];
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider("BC").build())
                .build(new JcaContentSignerBuilder(algorithm).setProvider("BC").build(key), cert));
            gen.addCertificates(new JcaCertStore(Arrays.asList(chain)));
            CMSProcessableInputStream msg = new CMSProcessableInputStream(content);
            return gen.generate(msg, false).getEncoded();
        } catch (GeneralSecurityException | CMSException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException(e);
        }
    }

    static class CMSProcessableInputStream implements CMSTypedData {
        private final InputStream in;
        CMSProcessableInputStream(InputStream in) { this.in = in; }
        public Object getContent() { return in; }
        public void write(OutputStream out) throws IOException { in.transferTo(out); in.close(); }
        public org.bouncycastle.asn1.ASN1ObjectIdentifier getContentType() {
            return new org.bouncycastle.asn1.ASN1ObjectIdentifier(org.bouncycastle.asn1.cms.CMSObjectIdentifiers.data.getId());
        }
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[2])) { ks.load(in, args[3].toCharArray()); }
        String alias = ks.aliases().nextElement();
        PrivateKey key = (PrivateKey) ks.getKey(alias, args[3].toCharArray());
        Certificate[] chain = ks.getCertificateChain(alias);
        if (args[5].equals("leaf")) chain = new Certificate[] {chain[0]};
        try (PDDocument doc = PDDocument.load(new File(args[0]));
             FileOutputStream out = new FileOutputStream(args[1])) {
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            sig.setName(args[6]);
            sig.setReason("Phê duyệt");
            Calendar when = Calendar.getInstance(TimeZone.getTimeZone("Asia/Ho_Chi_Minh"));
            if (args.length > 7) when.setTimeInMillis(Long.parseLong(args[7]) * 1000L);
            sig.setSignDate(when);
            SignatureOptions options = new SignatureOptions();
            options.setPreferredSignatureSize(16384);
            doc.addSignature(sig, new InteropSigner(key, chain, args[4]), options);
            doc.saveIncremental(out);
        }
    }
}
