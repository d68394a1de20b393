namespace NativeCnn.Imaging.Jpeg;

/// <summary>
/// JPEG decoder (ITU T.81): baseline and extended sequential Huffman (SOF0/SOF1) and progressive Huffman (SOF2:
/// spectral selection and successive approximation), 8-bit precision, 1, 3 or 4 components, any integral
/// sampling factors, restart intervals. Output follows libjpeg-turbo's djpeg defaults: islow integer IDCT,
/// "fancy" triangle upsampling for 2×1, 2×2 and 1×2 chroma (replication for other ratios), libjpeg's
/// fixed-point YCbCr→RGB, and Adobe CMYK/YCCK converted with r = c·k/255. EXIF orientation is applied afterwards
/// unless disabled. Unsupported: arithmetic coding, lossless, 12-bit, hierarchical, DNL.
/// Malformed or truncated data throws <see cref="ImageDecodeException"/>; unlike libjpeg no partial image is returned.
/// </summary>
public sealed class JpegDecoder
{
    /// <summary>Zig-zag index → natural (row-major) index.</summary>
    internal static readonly byte[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    /// <summary>Bits of zero padding the bit reader may invent past the end of an entropy-coded segment before
    /// the data counts as truncated; a bound on work done on garbage.</summary>
    private const int MaxFakeBytes = 64;

    private sealed class Component
    {
        public int Id;
        public int H;
        public int V;
        public int Tq;
        public int BlocksPerLine;   // allocated: mcusX·H
        public int BlocksPerColumn; // allocated: mcusY·V
        public short[] Coefs = [];  // [BlocksPerColumn][BlocksPerLine][64], natural order
        public int DcPred;
        public int DcTable;
        public int AcTable;
        public int DownWidth;       // ceil(width·H/maxH)
        public int DownHeight;      // ceil(height·V/maxV)
    }

    private readonly byte[] _data;
    private readonly DecodeLimits _limits;
    private int _pos;

    private readonly ushort[]?[] _quant = new ushort[4][];
    private readonly HuffmanTable?[] _dc = new HuffmanTable[4];
    private readonly HuffmanTable?[] _ac = new HuffmanTable[4];
    private Component[] _comps = [];
    private int _width;
    private int _height;
    private bool _progressive;
    private bool _frameSeen;
    private int _maxH;
    private int _maxV;
    private int _mcusX;
    private int _mcusY;
    private int _restartInterval;
    private bool _jfif;
    private int _adobeTransform = -1;
    private int _orientation = 1;
    private int _eobrun;

    // Bit reader state
    private ulong _bits;
    private int _bitCount;
    private int _fakeBytes;

    private JpegDecoder(byte[] data, DecodeLimits limits)
    {
        _data = data;
        _limits = limits;
    }

    public static Image Decode(byte[] data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        var d = new JpegDecoder(data, options.EffectiveLimits);
        Image img = d.Run();
        return options.ApplyExifOrientation ? ImageTransforms.ApplyExifOrientation(img, d._orientation) : img;
    }

    /// <summary>The EXIF orientation (1..8) stored in a JPEG's APP1 segment, 1 when there is none.</summary>
    public static int ReadExifOrientation(byte[] data)
    {
        var d = new JpegDecoder(data, DecodeLimits.Default);
        d.ReadMarkersUntilFrame();
        return d._orientation;
    }

    private static ImageDecodeException Error(string message) => new("JPEG: " + message);

    private void ReadMarkersUntilFrame()
    {
        _pos = 2;
        while (!_frameSeen)
        {
            int marker = NextMarker();
            if (marker == 0xD9)
            {
                return;
            }

            HandleMarker(marker);
        }
    }

    private Image Run()
    {
        if (_data.Length < 4 || _data[0] != 0xFF || _data[1] != 0xD8)
        {
            throw Error("missing SOI marker");
        }

        _pos = 2;
        bool anyScan = false;
        while (true)
        {
            if (_pos >= _data.Length && anyScan)
            {
                break; // missing EOI after complete scans: accepted, as libjpeg does (with a warning)
            }

            int marker = NextMarker();
            if (marker == 0xD9)
            {
                break;
            }

            if (marker == 0xDA)
            {
                if (!_frameSeen)
                {
                    throw Error("SOS before SOF");
                }

                DecodeScan();
                anyScan = true;
            }
            else
            {
                HandleMarker(marker);
            }
        }

        if (!anyScan)
        {
            throw Error("no scan data (SOS) found");
        }

        return Output();
    }

    private int NextMarker()
    {
        // Skips any garbage before the next 0xFF xx marker (libjpeg tolerates it with a warning).
        while (true)
        {
            if (_pos >= _data.Length)
            {
                throw Error("truncated: end of data while looking for a marker");
            }

            if (_data[_pos] != 0xFF)
            {
                _pos++;
                continue;
            }

            while (_pos < _data.Length && _data[_pos] == 0xFF)
            {
                _pos++;
            }

            if (_pos >= _data.Length)
            {
                throw Error("truncated: end of data inside a marker");
            }

            int m = _data[_pos++];
            if (m != 0 && !(m >= 0xD0 && m <= 0xD7))
            {
                return m;
            }
        }
    }

    private int ReadSegmentLength(out int start)
    {
        if (_pos + 2 > _data.Length)
        {
            throw Error("truncated: marker segment length missing");
        }

        int len = (_data[_pos] << 8) | _data[_pos + 1];
        if (len < 2 || _pos + len > _data.Length)
        {
            throw Error($"truncated or bad marker segment length {len} at byte {_pos}");
        }

        start = _pos + 2;
        _pos += len;
        return len - 2;
    }

    private void HandleMarker(int marker)
    {
        switch (marker)
        {
            case 0xC0 or 0xC1 or 0xC2:
                ReadFrame(marker == 0xC2);
                break;
            case 0xC3 or 0xC5 or 0xC6 or 0xC7:
                throw Error($"unsupported JPEG process (SOF{marker - 0xC0}: lossless or hierarchical)");
            case >= 0xC9 and <= 0xCF when marker != 0xCC:
                throw Error($"unsupported JPEG process (SOF{marker - 0xC0}: arithmetic coding)");
            case 0xC4:
                ReadHuffmanTables();
                break;
            case 0xCC:
                throw Error("arithmetic coding (DAC) is not supported");
            case 0xDB:
                ReadQuantTables();
                break;
            case 0xDD:
            {
                int n = ReadSegmentLength(out int s);
                if (n < 2)
                {
                    throw Error("bad DRI segment");
                }

                _restartInterval = (_data[s] << 8) | _data[s + 1];
                break;
            }

            case 0xDC:
                throw Error("DNL marker (height defined after the first scan) is not supported");
            case 0xE0:
            {
                int n = ReadSegmentLength(out int s);
                if (n >= 5 && _data[s] == 'J' && _data[s + 1] == 'F' && _data[s + 2] == 'I' && _data[s + 3] == 'F' && _data[s + 4] == 0)
                {
                    _jfif = true;
                }

                break;
            }

            case 0xE1:
            {
                int n = ReadSegmentLength(out int s);
                if (n >= 6 && _data[s] == 'E' && _data[s + 1] == 'x' && _data[s + 2] == 'i' && _data[s + 3] == 'f' && _data[s + 4] == 0)
                {
                    int o = Exif.ReadOrientation(_data.AsSpan(s + 6, n - 6));
                    if (o is >= 1 and <= 8)
                    {
                        _orientation = o;
                    }
                }

                break;
            }

            case 0xEE:
            {
                int n = ReadSegmentLength(out int s);
                if (n >= 12 && _data[s] == 'A' && _data[s + 1] == 'd' && _data[s + 2] == 'o' && _data[s + 3] == 'b' && _data[s + 4] == 'e')
                {
                    _adobeTransform = _data[s + 11];
                }

                break;
            }

            case 0xD8:
                throw Error("unexpected second SOI marker");
            default:
                if (marker is (>= 0xE0 and <= 0xEF) or 0xFE or (>= 0xF0 and <= 0xFD))
                {
                    ReadSegmentLength(out _);
                    break;
                }

                throw Error($"unexpected marker 0xFF{marker:X2} at byte {_pos - 2}");
        }
    }

    private void ReadQuantTables()
    {
        int n = ReadSegmentLength(out int s);
        int end = s + n;
        while (s < end)
        {
            int pq = _data[s] >> 4;
            int tq = _data[s] & 15;
            s++;
            if (tq > 3 || pq > 1)
            {
                throw Error($"bad DQT (precision {pq}, table {tq})");
            }

            int size = pq == 0 ? 64 : 128;
            if (s + size > end)
            {
                throw Error("truncated DQT");
            }

            var table = new ushort[64];
            for (int i = 0; i < 64; i++)
            {
                table[ZigZag[i]] = pq == 0 ? _data[s + i] : (ushort)((_data[s + 2 * i] << 8) | _data[s + 2 * i + 1]);
            }

            _quant[tq] = table;
            s += size;
        }
    }

    private void ReadHuffmanTables()
    {
        int n = ReadSegmentLength(out int s);
        int end = s + n;
        while (s < end)
        {
            if (s + 17 > end)
            {
                throw Error("truncated DHT");
            }

            int tc = _data[s] >> 4;
            int th = _data[s] & 15;
            if (tc > 1 || th > 3)
            {
                throw Error($"bad DHT (class {tc}, table {th})");
            }

            ReadOnlySpan<byte> counts = _data.AsSpan(s + 1, 16);
            int total = 0;
            foreach (byte c in counts)
            {
                total += c;
            }

            if (total > 256 || s + 17 + total > end)
            {
                throw Error("bad or truncated DHT (symbol count)");
            }

            var table = new HuffmanTable(counts, _data.AsSpan(s + 17, total));
            (tc == 0 ? _dc : _ac)[th] = table;
            s += 17 + total;
        }
    }

    private void ReadFrame(bool progressive)
    {
        if (_frameSeen)
        {
            throw Error("more than one frame (SOF) marker");
        }

        int n = ReadSegmentLength(out int s);
        if (n < 6)
        {
            throw Error("truncated SOF");
        }

        int precision = _data[s];
        int height = (_data[s + 1] << 8) | _data[s + 2];
        int width = (_data[s + 3] << 8) | _data[s + 4];
        int nc = _data[s + 5];
        if (precision != 8)
        {
            throw Error($"{precision}-bit samples are not supported (only 8)");
        }

        if (height == 0)
        {
            throw Error("height 0 (defined by a DNL marker) is not supported");
        }

        _limits.Check(width, height, "JPEG");
        if (nc is not (1 or 3 or 4))
        {
            throw Error($"{nc} components are not supported (1, 3 or 4)");
        }

        if (n < 6 + 3 * nc)
        {
            throw Error("truncated SOF component list");
        }

        _progressive = progressive;
        _width = width;
        _height = height;
        _comps = new Component[nc];
        for (int i = 0; i < nc; i++)
        {
            int o = s + 6 + 3 * i;
            var c = new Component { Id = _data[o], H = _data[o + 1] >> 4, V = _data[o + 1] & 15, Tq = _data[o + 2] };
            if (c.H is < 1 or > 4 || c.V is < 1 or > 4 || c.Tq > 3)
            {
                throw Error($"bad component {c.Id}: sampling {c.H}x{c.V}, quant table {c.Tq}");
            }

            _comps[i] = c;
        }

        _maxH = _comps.Max(c => c.H);
        _maxV = _comps.Max(c => c.V);
        int blocksInMcu = 0;
        foreach (Component c in _comps)
        {
            if (_maxH % c.H != 0 || _maxV % c.V != 0)
            {
                throw Error($"fractional sampling ratio (component {c.Id}: {c.H}x{c.V}, max {_maxH}x{_maxV}) is not supported");
            }

            blocksInMcu += c.H * c.V;
        }

        if (blocksInMcu > 10 && nc > 1)
        {
            throw Error($"{blocksInMcu} blocks per MCU (at most 10 allowed)");
        }

        _mcusX = (width + 8 * _maxH - 1) / (8 * _maxH);
        _mcusY = (height + 8 * _maxV - 1) / (8 * _maxV);
        long totalCoefs = 0;
        foreach (Component c in _comps)
        {
            c.BlocksPerLine = _mcusX * c.H;
            c.BlocksPerColumn = _mcusY * c.V;
            c.DownWidth = (int)(((long)width * c.H + _maxH - 1) / _maxH);
            c.DownHeight = (int)(((long)height * c.V + _maxV - 1) / _maxV);
            totalCoefs += (long)c.BlocksPerLine * c.BlocksPerColumn * 64;
        }

        if (totalCoefs > Array.MaxLength)
        {
            throw Error($"{width}x{height} with these sampling factors needs too many coefficients");
        }

        foreach (Component c in _comps)
        {
            c.Coefs = new short[c.BlocksPerLine * c.BlocksPerColumn * 64];
        }

        _frameSeen = true;
    }

    // ---- entropy-coded data ----

    private void ResetBits()
    {
        _bits = 0;
        _bitCount = 0;
        _fakeBytes = 0;
    }

    /// <summary>Fills the bit buffer to at least 25 bits. A marker or the end of data yields zero bytes (counted).</summary>
    private void Fill()
    {
        while (_bitCount <= 56)
        {
            int b = 0;
            if (_pos < _data.Length)
            {
                b = _data[_pos];
                if (b == 0xFF)
                {
                    int next = _pos + 1 < _data.Length ? _data[_pos + 1] : -1;
                    if (next == 0x00)
                    {
                        _pos += 2;
                    }
                    else
                    {
                        b = 0; // a marker: leave it for the parser, feed zeros
                        _fakeBytes++;
                    }
                }
                else
                {
                    _pos++;
                }
            }
            else
            {
                _fakeBytes++;
            }

            if (_fakeBytes > MaxFakeBytes)
            {
                throw Error("truncated or corrupt entropy-coded data (ran past the end of the segment)");
            }

            _bits |= (ulong)b << (56 - _bitCount);
            _bitCount += 8;
        }
    }

    /// <summary>Bits consumed out of invented zero padding: positive means the segment was too short.</summary>
    private int FakeBitsConsumed => _fakeBytes * 8 - _bitCount;

    private int GetBits(int n)
    {
        if (n == 0)
        {
            return 0;
        }

        if (_bitCount < n)
        {
            Fill();
        }

        int v = (int)(_bits >> (64 - n));
        _bits <<= n;
        _bitCount -= n;
        return v;
    }

    private int GetBit() => GetBits(1);

    /// <summary>EXTEND (Figure F.12): an s-bit magnitude category value to a signed difference.</summary>
    private int Receive(int s)
    {
        if (s == 0)
        {
            return 0;
        }

        int v = GetBits(s);
        return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
    }

    private int DecodeHuffman(HuffmanTable t)
    {
        if (_bitCount < 16)
        {
            Fill();
        }

        int peek = (int)(_bits >> (64 - HuffmanTable.LookupBits));
        int e = t.Lookup[peek];
        if (e != 0)
        {
            int len = e >> 8;
            _bits <<= len;
            _bitCount -= len;
            return e & 0xFF;
        }

        for (int len = HuffmanTable.LookupBits + 1; len <= 16; len++)
        {
            int code = (int)(_bits >> (64 - len));
            if (code <= t.MaxCode[len])
            {
                _bits <<= len;
                _bitCount -= len;
                int idx = t.ValueOffset[len] + code;
                if ((uint)idx >= (uint)t.Values.Length)
                {
                    throw Error("corrupt Huffman data");
                }

                return t.Values[idx];
            }
        }

        throw Error("corrupt Huffman data (no code matches)");
    }

    private void DecodeScan()
    {
        int n = ReadSegmentLength(out int s);
        int ns = n >= 1 ? _data[s] : 0;
        if (ns is < 1 or > 4 || n < 4 + 2 * ns)
        {
            throw Error("bad SOS header");
        }

        var scomps = new Component[ns];
        for (int i = 0; i < ns; i++)
        {
            int id = _data[s + 1 + 2 * i];
            Component? c = Array.Find(_comps, x => x.Id == id) ?? throw Error($"SOS names unknown component {id}");
            c.DcTable = _data[s + 2 + 2 * i] >> 4;
            c.AcTable = _data[s + 2 + 2 * i] & 15;
            if (c.DcTable > 3 || c.AcTable > 3)
            {
                throw Error("bad Huffman table selector in SOS");
            }

            scomps[i] = c;
        }

        int o = s + 1 + 2 * ns;
        int ss = _data[o];
        int se = _data[o + 1];
        int ah = _data[o + 2] >> 4;
        int al = _data[o + 2] & 15;
        if (_progressive)
        {
            bool dc = ss == 0;
            if (ss > 63 || se > 63 || ss > se || (dc && se != 0) || (!dc && ns != 1) || al > 13 || ah > 13)
            {
                throw Error($"bad progressive scan parameters Ss={ss} Se={se} Ah={ah} Al={al}");
            }
        }
        else if (ss != 0 || se != 63 || ah != 0 || al != 0)
        {
            // libjpeg only warns here; the values are ignored for sequential scans.
            ss = 0;
            se = 63;
            ah = 0;
            al = 0;
        }

        foreach (Component c in scomps)
        {
            if (_quant[c.Tq] is null)
            {
                throw Error($"component {c.Id} uses undefined quantisation table {c.Tq}");
            }

            bool needDc = ss == 0 && (ah == 0 || !_progressive); // a DC refinement scan reads raw bits
            bool needAc = se > 0;
            if ((needDc && _dc[c.DcTable] is null) || (needAc && _ac[c.AcTable] is null))
            {
                throw Error($"component {c.Id} uses an undefined Huffman table");
            }

            c.DcPred = 0;
        }

        ResetBits();
        _eobrun = 0;

        int unitsX, unitsY;
        if (ns == 1)
        {
            Component c = scomps[0];
            unitsX = (c.DownWidth + 7) / 8;
            unitsY = (c.DownHeight + 7) / 8;
        }
        else
        {
            unitsX = _mcusX;
            unitsY = _mcusY;
        }

        int restartsLeft = _restartInterval;
        int nextRst = 0;
        long total = (long)unitsX * unitsY;
        for (long u = 0; u < total; u++)
        {
            if (_restartInterval > 0)
            {
                if (restartsLeft == 0)
                {
                    ProcessRestart(ref nextRst, scomps);
                    restartsLeft = _restartInterval;
                }

                restartsLeft--;
            }

            int ux = (int)(u % unitsX);
            int uy = (int)(u / unitsX);
            if (ns == 1)
            {
                Component c = scomps[0];
                DecodeBlock(c, (uy * c.BlocksPerLine + ux) * 64, ss, se, ah, al);
            }
            else
            {
                foreach (Component c in scomps)
                {
                    for (int by = 0; by < c.V; by++)
                    {
                        for (int bx = 0; bx < c.H; bx++)
                        {
                            int row = uy * c.V + by;
                            int col = ux * c.H + bx;
                            DecodeBlock(c, (row * c.BlocksPerLine + col) * 64, ss, se, ah, al);
                        }
                    }
                }
            }
        }

        if (FakeBitsConsumed > 0)
        {
            throw Error("truncated or corrupt entropy-coded data (scan ended early)");
        }
    }

    private void ProcessRestart(ref int nextRst, Component[] scomps)
    {
        if (FakeBitsConsumed > 0)
        {
            throw Error("truncated or corrupt entropy-coded data before a restart marker");
        }

        // Bytes still buffered belong to padding before the marker; the reader never consumes a marker.
        ResetBits();
        if (_pos + 1 < _data.Length && _data[_pos] == 0xFF)
        {
            while (_pos + 1 < _data.Length && _data[_pos + 1] == 0xFF)
            {
                _pos++;
            }
        }

        if (_pos + 1 >= _data.Length || _data[_pos] != 0xFF || _data[_pos + 1] != 0xD0 + nextRst)
        {
            throw Error($"expected restart marker RST{nextRst} at byte {_pos}");
        }

        _pos += 2;
        nextRst = (nextRst + 1) & 7;
        foreach (Component c in scomps)
        {
            c.DcPred = 0;
        }

        _eobrun = 0;
    }

    private void DecodeBlock(Component c, int offset, int ss, int se, int ah, int al)
    {
        Span<short> blk = c.Coefs.AsSpan(offset, 64);
        if (!_progressive)
        {
            int t = DecodeHuffman(_dc[c.DcTable]!);
            if (t > 16)
            {
                throw Error("corrupt DC code");
            }

            c.DcPred += Receive(t);
            blk[0] = (short)c.DcPred;
            HuffmanTable ac = _ac[c.AcTable]!;
            for (int k = 1; k < 64; k++)
            {
                int rs = DecodeHuffman(ac);
                int r = rs >> 4;
                int sz = rs & 15;
                if (sz != 0)
                {
                    k += r;
                    if (k > 63)
                    {
                        throw Error("corrupt AC run (past coefficient 63)");
                    }

                    blk[ZigZag[k]] = (short)Receive(sz);
                }
                else if (r == 15)
                {
                    k += 15;
                }
                else
                {
                    break;
                }
            }

            return;
        }

        if (ss == 0)
        {
            if (ah == 0)
            {
                int t = DecodeHuffman(_dc[c.DcTable]!);
                if (t > 16)
                {
                    throw Error("corrupt DC code");
                }

                c.DcPred += Receive(t);
                blk[0] = (short)(c.DcPred << al);
            }
            else if (GetBit() != 0)
            {
                blk[0] |= (short)(1 << al);
            }

            return;
        }

        if (ah == 0)
        {
            DecodeAcFirst(c, blk, ss, se, al);
        }
        else
        {
            DecodeAcRefine(c, blk, ss, se, al);
        }
    }

    private void DecodeAcFirst(Component c, Span<short> blk, int ss, int se, int al)
    {
        if (_eobrun > 0)
        {
            _eobrun--;
            return;
        }

        HuffmanTable ac = _ac[c.AcTable]!;
        for (int k = ss; k <= se; k++)
        {
            int rs = DecodeHuffman(ac);
            int r = rs >> 4;
            int s = rs & 15;
            if (s != 0)
            {
                k += r;
                if (k > se)
                {
                    throw Error("corrupt AC run in progressive scan");
                }

                blk[ZigZag[k]] = (short)(Receive(s) * (1 << al));
            }
            else if (r == 15)
            {
                k += 15;
            }
            else
            {
                _eobrun = (1 << r) - 1;
                if (r > 0)
                {
                    _eobrun += GetBits(r);
                }

                break;
            }
        }
    }

    /// <summary>Successive-approximation refinement of AC coefficients (T.81 G.1.2.3).</summary>
    private void DecodeAcRefine(Component c, Span<short> blk, int ss, int se, int al)
    {
        int p1 = 1 << al;
        int m1 = -1 << al;
        int k = ss;
        if (_eobrun == 0)
        {
            HuffmanTable ac = _ac[c.AcTable]!;
            for (; k <= se; k++)
            {
                int rs = DecodeHuffman(ac);
                int r = rs >> 4;
                int s = rs & 15;
                int value = 0;
                if (s != 0)
                {
                    if (s != 1)
                    {
                        throw Error("corrupt refinement scan (coefficient size is not 1)");
                    }

                    value = GetBit() != 0 ? p1 : m1;
                }
                else if (r != 15)
                {
                    _eobrun = 1 << r;
                    if (r > 0)
                    {
                        _eobrun += GetBits(r);
                    }

                    break;
                }

                // Skip r zero-history coefficients, refining the non-zero ones passed on the way.
                while (k <= se)
                {
                    int z = ZigZag[k];
                    if (blk[z] != 0)
                    {
                        if (GetBit() != 0 && (blk[z] & p1) == 0)
                        {
                            blk[z] = (short)(blk[z] >= 0 ? blk[z] + p1 : blk[z] + m1);
                        }
                    }
                    else
                    {
                        if (r == 0)
                        {
                            break;
                        }

                        r--;
                    }

                    k++;
                }

                if (value != 0)
                {
                    if (k > se)
                    {
                        throw Error("corrupt refinement scan (run past the band)");
                    }

                    blk[ZigZag[k]] = (short)value;
                }
            }
        }

        if (_eobrun > 0)
        {
            for (; k <= se; k++)
            {
                int z = ZigZag[k];
                if (blk[z] != 0 && GetBit() != 0 && (blk[z] & p1) == 0)
                {
                    blk[z] = (short)(blk[z] >= 0 ? blk[z] + p1 : blk[z] + m1);
                }
            }

            _eobrun--;
        }
    }

    // ---- output ----

    private Image Output()
    {
        int nc = _comps.Length;
        int w = _width;
        int h = _height;

        // Full-resolution planes [h][w] per component after IDCT and upsampling.
        var planes = new byte[nc][];
        for (int ci = 0; ci < nc; ci++)
        {
            Component c = _comps[ci];
            ushort[] q = _quant[c.Tq]!;
            int stride = c.BlocksPerLine * 8;
            var plane = new byte[stride * c.BlocksPerColumn * 8]; // [BlocksPerColumn·8][BlocksPerLine·8]
            int usedRows = (c.DownHeight + 7) / 8;
            int usedCols = (c.DownWidth + 7) / 8;
            for (int by = 0; by < usedRows; by++)
            {
                for (int bx = 0; bx < usedCols; bx++)
                {
                    int off = (by * c.BlocksPerLine + bx) * 64;
                    JpegIdct.Transform(c.Coefs.AsSpan(off, 64), q, plane, by * 8 * stride + bx * 8, stride);
                }
            }

            c.Coefs = [];
            planes[ci] = JpegUpsampler.Upsample(plane, stride, c.DownWidth, c.DownHeight, _maxH / c.H, _maxV / c.V, w, h);
        }

        if (nc == 1)
        {
            return new Image(w, h, 1, planes[0]);
        }

        var rgb = new byte[w * h * 3];
        if (nc == 3)
        {
            bool isRgb;
            if (_jfif)
            {
                isRgb = false;
            }
            else if (_adobeTransform >= 0)
            {
                isRgb = _adobeTransform == 0;
            }
            else
            {
                isRgb = _comps[0].Id == 'R' && _comps[1].Id == 'G' && _comps[2].Id == 'B';
            }

            if (isRgb)
            {
                for (int i = 0; i < w * h; i++)
                {
                    rgb[3 * i] = planes[0][i];
                    rgb[3 * i + 1] = planes[1][i];
                    rgb[3 * i + 2] = planes[2][i];
                }
            }
            else
            {
                for (int i = 0; i < w * h; i++)
                {
                    ColorConvert.YccToRgb(planes[0][i], planes[1][i], planes[2][i], out rgb[3 * i], out rgb[3 * i + 1], out rgb[3 * i + 2]);
                }
            }
        }
        else
        {
            // Adobe APP14 transform 0 = plain CMYK, anything else = YCCK; no APP14 = CMYK (as libjpeg).
            bool ycck = _adobeTransform > 0;

            for (int i = 0; i < w * h; i++)
            {
                byte c0 = planes[0][i], c1 = planes[1][i], c2 = planes[2][i], k = planes[3][i];
                if (ycck)
                {
                    ColorConvert.YccToRgb(c0, c1, c2, out byte r, out byte g, out byte b);
                    c0 = (byte)(255 - r);
                    c1 = (byte)(255 - g);
                    c2 = (byte)(255 - b);
                }

                rgb[3 * i] = ColorConvert.CmykChannel(c0, k);
                rgb[3 * i + 1] = ColorConvert.CmykChannel(c1, k);
                rgb[3 * i + 2] = ColorConvert.CmykChannel(c2, k);
            }
        }

        return new Image(w, h, 3, rgb);
    }
}
