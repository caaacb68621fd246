# Build stfi_models/datasets/china/capitals.csv: the coordinates of the capitals of China's 31
# mainland provinces, from R package maps, dataset world.cities (Becker, Wilks, Brownrigg &
# Minka; data originally from Stefan Helders' world-gazetteer.com, populations as at Jan 2006).
# In world.cities, capital == 1 marks Beijing (national capital), 2 the municipalities and
# 3 the provincial capitals (?world.cities). Xi'an, the capital of Shaanxi, is listed as
# "Xian" with capital == 0 (a coding slip of the dataset); it is taken by name, and the script
# checks that exactly one Chinese row has that name.
# Run from the repository root: Rscript validation/distance_weights/capitals.R
suppressPackageStartupMessages(library(maps))
options(width = 120)
data(world.cities)
cn <- world.cities[world.cities$country.etc == "China", ]
coded <- cn[cn$capital %in% c(1, 2, 3), ]
xian <- cn[cn$name == "Xian", ]
stopifnot(nrow(coded) == 30, nrow(xian) == 1)
rows <- rbind(coded, xian)
# world.cities name -> (GB/T 2260 adcode, standard English name, Chinese name)
key <- read.csv(text = "
city_wc,adcode,city,city_zh
Beijing,110000,Beijing,北京
Tianjin,120000,Tianjin,天津
Shijiazhuang,130000,Shijiazhuang,石家庄
Taiyuan,140000,Taiyuan,太原
Hohhot,150000,Hohhot,呼和浩特
Shenyang,210000,Shenyang,沈阳
Changchun,220000,Changchun,长春
Harbin,230000,Harbin,哈尔滨
Shanghai,310000,Shanghai,上海
Nanjing,320000,Nanjing,南京
Hangzhou,330000,Hangzhou,杭州
Hefei,340000,Hefei,合肥
Fuzhou,350000,Fuzhou,福州
Nanchang,360000,Nanchang,南昌
Jinan,370000,Jinan,济南
Zhengzhou,410000,Zhengzhou,郑州
Wuhan,420000,Wuhan,武汉
Changsha,430000,Changsha,长沙
Guangzhou,440000,Guangzhou,广州
Nanning,450000,Nanning,南宁
Haikou,460000,Haikou,海口
Chongqing,500000,Chongqing,重庆
Chengdu,510000,Chengdu,成都
Guiyang,520000,Guiyang,贵阳
Kunming,530000,Kunming,昆明
Lasa,540000,Lhasa,拉萨
Xian,610000,Xi'an,西安
Lanzhou,620000,Lanzhou,兰州
Xining,630000,Xining,西宁
Yinchuan,640000,Yinchuan,银川
Urumqi,650000,Urumqi,乌鲁木齐
", strip.white = TRUE, encoding = "UTF-8")
stopifnot(nrow(key) == 31, !anyDuplicated(key$city_wc), !anyDuplicated(key$adcode),
          setequal(key$city_wc, rows$name))
provinces <- read.csv("stfi_models/datasets/china/provinces.csv", encoding = "UTF-8")
stopifnot(setequal(provinces$adcode, key$adcode))
out <- merge(key, data.frame(city_wc = rows$name, lon = rows$long, lat = rows$lat,
                             wc_capital = rows$capital), by = "city_wc")
out <- merge(out, provinces[, c("adcode", "name_en")], by = "adcode")
out <- out[order(out$adcode), c("adcode", "name_en", "city", "city_zh", "city_wc", "lon", "lat",
                                "wc_capital")]
names(out)[2] <- "province"
write.csv(out, "stfi_models/datasets/china/capitals.csv", row.names = FALSE,
          fileEncoding = "UTF-8")
print(out, row.names = FALSE)
cat(R.version.string, "maps", as.character(packageVersion("maps")), "\n")
