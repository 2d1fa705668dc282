using System.Buffers.Binary;

namespace PhotoApi.Workers.Imaging;

/// <summary>
/// Removes metadata chunks from a WebP file. Needed because Debian 12's libvips 8.14.1 webpsave ignores <c>strip</c>:
/// it always writes an EXIF chunk (orientation, resolution, dimensions; plus the image's own EXIF, XMP and ICC when
/// present). The image data chunks (VP8/VP8L, ALPH, ANIM/ANMF) are kept byte for byte.
/// </summary>
internal static class WebpMetadata
{
    private const byte IccFlag = 0x20, ExifFlag = 0x08, XmpFlag = 0x04;

    public static byte[] Strip(ReadOnlySpan<byte> webp)
    {
        if (webp.Length < 20 || !webp[..4].SequenceEqual("RIFF"u8) || !webp[8..12].SequenceEqual("WEBP"u8))
            throw new InvalidDataException("libvips wrote something that is not a WebP file.");
        var output = new List<byte>(webp.Length);
        output.AddRange(webp[..12]);
        var at = 12;
        while (at + 8 <= webp.Length)
        {
            var fourCc = webp.Slice(at, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(webp.Slice(at + 4, 4));
            var total = 8 + (long)size + (size & 1);                     // chunks are padded to an even length
            if (at + total > webp.Length) throw new InvalidDataException("libvips wrote a truncated WebP chunk.");
            var chunk = webp.Slice(at, (int)total);
            at += (int)total;
            if (fourCc.SequenceEqual("EXIF"u8) || fourCc.SequenceEqual("XMP "u8) || fourCc.SequenceEqual("ICCP"u8)) continue;
            var start = output.Count;
            output.AddRange(chunk);
            if (fourCc.SequenceEqual("VP8X"u8) && size >= 1)
                output[start + 8] = (byte)(output[start + 8] & ~(IccFlag | ExifFlag | XmpFlag));
        }
        if (at != webp.Length) throw new InvalidDataException("libvips wrote trailing bytes after the last WebP chunk.");
        var result = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4, 4), (uint)(result.Length - 8));
        return result;
    }
}
