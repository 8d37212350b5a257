"""The libraries the benign generator introspects, grouped by the rule file they go to.

Each library: the import name, the Debian package that ships it (for the generated header and
scripts/setup.sh), and module exclusions. Every submodule of the library is imported and
introspected except those whose dotted name matches an exclusion: the default set (tests,
I/O, downloads, servers, command lines — modules whose purpose is an effect) plus the
library's own. Exclusion is a second line of defence only: a class in a scanned module is
still cleared only if the effect analysis finds no I/O on its rebuild path.

Libraries whose objects cannot be cleared this way are listed in NOT_GENERATED with the reason
(they stay needs-review or are covered by dangerous/review rules).
"""

import re

# A module is skipped when any dotted component matches (full match).
DEFAULT_EXCLUDED_COMPONENTS = re.compile(
    r"(tests?|_?testing|conftest|testutils?|test_.*|.*_test|_pytest|io|_io|datasets|downloads?|"
    r"downloader|benchmarks?|examples?|setup|__main__|cli|scripts?|externals?|_?vendor(ed)?|"
    r"sandbox|server|hub|web|remote|cloud|distributed|multiprocessing|sphinxext|docs?|"
    r"notebooks?|gui|app|apps|readwrite|readers?|writers?|backends?|_build|install|installer|"
    r"ipython|jupyter|viewer)")

LIBS = {}  # import name -> dict
GROUPS = {}  # group -> [import names]


def lib(group, name, deb, exclude=(), prefixes=None, note=""):
    LIBS[name] = {"group": group, "name": name, "deb": deb, "exclude": list(exclude),
                  "prefixes": prefixes or [name], "note": note}
    GROUPS.setdefault(group, []).append(name)


# -------------------------------------------------------------------- numeric core
lib("numeric", "numpy", "python3-numpy",
    exclude=[r"numpy\.(distutils|f2py|testing|ctypeslib|lib\.npyio|lib\._datasource|"
             r"lib\.format|core\.memmap|_pyinstaller|_pytesttester)"])
lib("numeric", "scipy", "python3-scipy",
    exclude=[r"scipy\.(io|misc|datasets|_lib\._testutils|weave)"])
lib("numeric", "sparse", "python3-sparse", exclude=[])
lib("numeric", "mpmath", "python3-mpmath",
    exclude=[r"mpmath\.(visualization|usertools)"])
lib("numeric", "uncertainties", "python3-uncertainties")
lib("numeric", "pint", "python3-pint", exclude=[r"pint\.(testsuite|testing)"])
lib("numeric", "quantities", "python3-quantities")
lib("numeric", "pywt", "python3-pywt", exclude=[r"pywt\.data"])
lib("numeric", "cftime", "python3-cftime")

# -------------------------------------------------------------------- data frames & arrays
lib("frames", "pandas", "python3-pandas",
    exclude=[r"pandas\.(io|core\.computation|plotting|_testing|util\._tester|util\._print_versions|"
             r"util\._doctools|util\._test_decorators|_libs\.testing|compat\.pickle_compat)"])
lib("frames", "pytz", "python3-tz", exclude=[r"pytz\.(reference|tzfile)"])
lib("frames", "xarray", "python3-xarray",
    exclude=[r"xarray\.(backends|tutorial|plot|util\.print_versions)"])
lib("frames", "zarr", "python3-zarr",
    exclude=[r"zarr\.(storage|convenience|creation|n5|sync|_storage)"],
    note="zarr arrays and groups re-open their store (a path) when unpickled: not generated")

# -------------------------------------------------------------------- statistics & ML
lib("stats", "statsmodels", "python3-statsmodels",
    exclude=[r"statsmodels\.(sandbox|datasets|iolib|graphics|tools\.web|tools\.print_version|"
             r"tsa\.x13)"])
lib("stats", "imblearn", "python3-imblearn", exclude=[r"imblearn\.(datasets|utils\._testing|"
                                                       r"utils\._show_versions|keras|tensorflow)"])
lib("stats", "xgboost", "python3-xgboost",
    exclude=[r"xgboost\.(dask|spark|rabit|tracker|collective|plotting|testing|libpath|federated)"],
    note="xgboost.core.Booster loads its model from the pickled bytes (hand rule in benign.toml)")
lib("stats", "lmfit", "python3-lmfit",
    exclude=[r"lmfit\.(jsonutils|ui)"],
    note="lmfit Models and Parameters rebuild functions from names (asteval): not generated")
lib("stats", "emcee", "python3-emcee", exclude=[r"emcee\.(backends|interruptible_pool|mpi_pool)"])
lib("stats", "skorch", "python3-skorch", exclude=[r"skorch\.(hf|cli)"])
lib("stats", "pulp", "python3-pulp", exclude=[r"pulp\.(apis|solverdir)"])

# -------------------------------------------------------------------- graphs & semantic web
lib("graphs", "networkx", "python3-networkx",
    exclude=[r"networkx\.(readwrite|drawing|lazy_imports)"])
lib("graphs", "igraph", "python3-igraph",
    exclude=[r"igraph\.(drawing|io|remote|app)"])
lib("graphs", "rdflib", "python3-rdflib",
    exclude=[r"rdflib\.(plugins?|tools|extras)"])

# -------------------------------------------------------------------- language
lib("nlp", "nltk", "python3-nltk",
    exclude=[r"nltk\.(corpus|data|downloader|app|chat|book|parse\.corenlp|tag\.stanford|"
             r"tag\.senna|tag\.hunpos|classify\.megam|classify\.tadm|classify\.weka|"
             r"tokenize\.stanford.*|tokenize\.repp|parse\.malt|parse\.bllip|parse\.stanford|"
             r"twitter|inference|sem\.boxer|draw|test|toolbox)"])
lib("nlp", "gensim", "python3-gensim",
    exclude=[r"gensim\.(scripts|test|downloader|models\.(lda_worker|lda_dispatcher|lsi_worker|"
             r"lsi_dispatcher))"])

# -------------------------------------------------------------------- images, audio, vision
lib("images", "skimage", "python3-skimage",
    exclude=[r"skimage\.(io|data|viewer|novice|_shared\.testing|_shared\.tester)"])
lib("images", "PIL", "python3-pil",
    exclude=[r"PIL\.(ImageShow|ImageGrab|ImageTk|ImageQt|ImageWin|_tkinter_finder|features|__main__)"],
    note="PIL.Image.Image rebuilds by decoding the pickled bytes with the format plugins; "
         "not generated")
lib("images", "pydicom", "python3-pydicom",
    exclude=[r"pydicom\.(data|benchmarks|env_info)"])
lib("images", "nibabel", "python3-nibabel",
    exclude=[r"nibabel\.(cmdline|benchmarks|testing|tmpdirs)"])
lib("images", "meshio", "python3-meshio",
    exclude=[r"meshio\.(_cli)"])
lib("vision", "torchvision", "python3-torchvision",
    exclude=[r"torchvision\.(datasets|io|prototype|models\._utils_downloads)"])
lib("vision", "torchaudio", "python3-torchaudio",
    exclude=[r"torchaudio\.(datasets|io|backend|_backend|sox_effects|kaldi_io|prototype)"])

# -------------------------------------------------------------------- science
lib("science", "astropy", "python3-astropy",
    exclude=[r"astropy\.(io|samp|utils\.data|utils\.iers|config|extern|vo|"
             r"coordinates\.name_resolve|coordinates\.sites|utils\.xml)"])
lib("science", "sunpy", "python3-sunpy",
    exclude=[r"sunpy\.(net|io|data|database|extern|util\.net|util\.config|util\.sysinfo)"])
lib("science", "Bio", "python3-biopython",
    prefixes=["Bio.Seq", "Bio.SeqRecord", "Bio.SeqFeature", "Bio.Align", "Bio.PDB",
              "Bio.Phylo", "Bio.motifs", "Bio.SeqUtils", "Bio.Data", "Bio.Restriction",
              "Bio.Cluster", "Bio.kNN", "Bio.LogisticRegression", "Bio.MarkovModel",
              "Bio.NaiveBayes", "Bio.HMM", "Bio.pairwise2", "Bio.Pathway"],
    exclude=[r"Bio\.(Entrez|SeqIO|AlignIO|Phylo\.Applications|Align\.Applications|"
             r"PDB\.PDBList|PDB\.alphafold_db)"])
lib("science", "pyproj", "python3-pyproj",
    exclude=[r"pyproj\.(sync|_sync|network|_network|__main__|_show_versions)"])
lib("science", "shapely", "python3-shapely",
    exclude=[r"shapely\.(examples|plotting)"])
lib("science", "geopandas", "python3-geopandas",
    exclude=[r"geopandas\.(io|datasets|explore|plotting|_show_versions)"])

# -------------------------------------------------------------------- symbolic maths
lib("symbolic", "sympy", "python3-sympy",
    exclude=[r"sympy\.(parsing|testing|interactive|plotting|external|codegen|utilities\.autowrap|"
             r"utilities\.codegen|utilities\.runtests|utilities\.lambdify|utilities\.benchmarking|"
             r"utilities\.pytest|integrals\.rubi|core\.sympify)"],
    note="sympy's core classes evaluate strings through sympify when called; expressions "
         "rebuild through their classes' __new__ with already-built arguments")

# -------------------------------------------------------------------- plotting
lib("plotting", "matplotlib", "python3-matplotlib",
    exclude=[r"matplotlib\.(backends|pyplot|pylab|testing|sphinxext)"],
    note="matplotlib figures restore pyplot state (backend import) when unpickled: "
         "figures are not generated; transforms, paths, colours and scales are")
lib("plotting", "seaborn", "python3-seaborn",
    exclude=[r"seaborn\.(external|widgets|_testing)"])
lib("plotting", "plotly", "python3-plotly",
    exclude=[r"plotly\.(io|offline|matplotlylib|widgets|basewidget|figure_factory|"
             r"files|optional_imports|validators|conftest|dashboard_objs|grid_objs|presentation_objs|"
             r"session|missing_ipywidgets)"])
lib("plotting", "altair", "python3-altair",
    exclude=[r"altair\.(vegalite\.v\d\.display|vegalite\.display|sphinxext|_magics)"])

# -------------------------------------------------------------------- more statistics & ML
# (own groups, so that they regenerate without touching the files of the groups above)
lib("probabilistic", "pomegranate", "python3-pomegranate",
    exclude=[r"pomegranate\.(io|callbacks|parallel)"],
    note="pomegranate models (HMMs, Bayesian networks, mixtures) rebuild from Cython "
         "reducers over their parameters")
lib("pipelines", "sklearn_pandas", "python3-sklearn-pandas",
    exclude=[r"sklearn_pandas\.(cross_validation)"],
    note="DataFrameMapper holds sklearn transformers; those are judged by benign.toml")
lib("raster", "rasterio", "python3-rasterio",
    exclude=[r"rasterio\.(_io|io|_env|env|session|shutil|vrt|rio|merge|plot|_filepath|"
             r"_show_versions|_example|drivers|tools|sample|fill|_fill|mask|features|"
             r"_features|warp|_warp|rpc|path|_path|crs)"],
    note="rasterio datasets are views of open files (not picklable); windows, enums and "
         "profiles are values. rasterio.crs is excluded: CRS is native, so its constructor "
         "cannot be read, and CRS(init='<file>:<id>') makes PROJ open the named file "
         "(CRS.from_user_input opens files too); its pickled WKT state needs review")
lib("raster", "affine", "python3-affine", exclude=[],
    note="affine.Affine: the transforms rasterio stores")
lib("neuro", "mne", "python3-mne",
    exclude=[r"mne\.(io|datasets|commands|viz|report|gui|export|externals|html_templates|"
             r"icons|data|conftest|parallel|cuda|coreg|_freesurfer|morph_map|surface|bem|"
             r"source_space|utils\.(config|fetching|_testing|check|docs)|"
             r"channels\._standard_montage_utils|simulation)"],
    note="mne Info, Annotations, covariances, filters and decoders; readers and "
         "file-backed objects are not generated")
lib("image_arrays", "imageio", "python3-imageio",
    exclude=[r"imageio\.(plugins|core\.(fetching|findlib|request|functions|format)|freeze|"
             r"testing)"],
    note="imageio.core.util.Array (image arrays with metadata); formats, readers and writers "
         "are not generated (a reader's __del__ finishes its request, which writes the file)")

NOT_GENERATED = {
    "dask": "dask.* is dangerous in libraries.toml: a dask graph holds arbitrary callables "
            "that run when it is computed",
    "numba": "numba's reducers rebuild functions from pickled bytecode and closures "
             "(numba.core.serialize); judged by the code-carrying rules",
    "tables": "PyTables nodes are views of an open HDF5 file; they are not picklable",
    "patsy": "patsy's formula objects carry Python code that patsy evals when data is "
             "transformed (code carried by design); its design objects refuse pickling",
    "netCDF4": "netCDF4 objects are views of an open file; they are not picklable",
    "h5py": "h5py objects are views of an open HDF5 file; they are not picklable",
    "dill": "dill carries Python code (review rules in libraries.toml)",
    "cloudpickle": "cloudpickle carries Python code (dangerous/review rules in libraries.toml)",
    "cv2": "OpenCV objects are native and not picklable; several constructors open files, "
           "devices or URLs (VideoCapture, VideoWriter, FileStorage)",
    "torchtext": "does not import with the installed torch (extension ABI mismatch)",
    "torch": "hand-written rules in benign.toml (rebuilders, modules, optimizers)",
    "sklearn": "hand-written rules in benign.toml (sklearn.* with dangerous exceptions)",
    "joblib": "hand-written rules in benign.toml (array wrappers)",
}


def excluded(libname, module):
    """True when `module` must not be introspected for library `libname`."""
    spec = LIBS[libname]
    parts = module.split(".")
    for comp in parts[1:]:
        if DEFAULT_EXCLUDED_COMPONENTS.fullmatch(comp):
            return True
    for pat in spec["exclude"]:
        if re.match(pat + r"(\.|$)", module):
            return True
    return False
